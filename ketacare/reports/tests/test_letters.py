"""Referral letters: drafted from the organisation's template with the progress summary's facts
(placeholders filled as text, never run as a template), edited, signed by a prescriber and locked."""

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import ApiToken
from ketacare.audit.models import AuditAction
from ketacare.measures.actions import do_enter_response
from ketacare.reports.domain.letters import DEFAULT_LETTER_BODY, fill_letter, unknown_placeholders
from ketacare.reports.letters import actions
from ketacare.reports.letters.selectors import access_referral_letter_by_id
from ketacare.reports.models import LockedLetterError, ReferralLetter

HOSTILE = 'Dr <img src="http://127.0.0.1:9/x"> & {{ settings.SECRET_KEY }} {patient_name} <b'


@pytest.fixture
def referred(patient, portland):
    patient.home_location = portland
    patient.referring_clinician_name = "Dr Rivera"
    patient.referring_clinician_practice = "Eastside Family Practice"
    patient.save()
    portland.address = "100 Main St\nPortland, OR 97201"
    portland.phone = "+15035550100"
    portland.save()
    return patient


@pytest.fixture
def charted(make_chart):
    make_chart(start=timezone.now() - dt.timedelta(days=4), events=["nausea"])
    return make_chart()


def bearer(user) -> dict:
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=user, name="test", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_placeholders_are_filled_once_as_text_and_unknown_ones_named():
    assert fill_letter("Dear {recipient_name}, {unknown}", {"recipient_name": "{patient_name}"}) == (
        "Dear {patient_name}, {unknown}"
    )
    assert unknown_placeholders("{patient_name} {{ settings.SECRET_KEY }} {x} {x}") == [
        " settings.SECRET_KEY ",
        "x",
    ]
    assert unknown_placeholders(DEFAULT_LETTER_BODY) == []


def test_a_letter_is_drafted_from_the_template_with_the_progress_summary(referred, staff, charted, audit_entries, org):
    do_enter_response(staff["nurse"], referred, "phq9", {str(n): 2 for n in range(1, 10)})
    letter = actions.do_create_referral_letter(staff["prescriber"], referred.pk)
    assert (letter.recipient_name, letter.recipient_address) == ("Dr Rivera", "Eastside Family Practice")
    assert (letter.letterhead_name, letter.letterhead_address, letter.letterhead_phone) == (
        org.name,
        "100 Main St\nPortland, OR 97201",
        "+15035550100",
    )
    assert letter.body.startswith("Dear Dr Rivera,")
    assert "Treatment sessions: 2 from " in letter.body and "56 mg" in letter.body
    assert "PHQ-9: latest 18 (Moderately severe)" in letter.body
    assert "Adverse events: " in letter.body and "Nausea" in letter.body
    assert "Prescriber Tester" in letter.body
    # The facts left the clinic in the letter: the progress summary's read is audited as an export.
    assert audit_entries(action=AuditAction.EXPORT, patient=referred, actor=staff["prescriber"])


def test_the_clinic_template_is_used_and_hostile_values_stay_text(referred, staff, charted):
    actions.do_update_letter_settings(staff["clinic_admin"], body_template="To {recipient_name} about {patient_name}.")
    letter = actions.do_create_referral_letter(staff["prescriber"], referred.pk, recipient_name=HOSTILE)
    assert letter.body == f"To {HOSTILE} about {referred.full_name}."


def test_the_template_refuses_unknown_placeholders_and_non_admins(staff):
    with pytest.raises(ValidationError) as error:
        actions.do_update_letter_settings(staff["clinic_admin"], body_template="Hi {{ request.user.password }}")
    assert "body_template" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.do_update_letter_settings(staff["prescriber"], body_template="Hi {patient_name}")


def test_a_signed_letter_is_locked(referred, staff, charted):
    letter = actions.do_create_referral_letter(staff["prescriber"], referred.pk)
    actions.do_update_referral_letter(staff["prescriber"], letter.pk, body="Edited body")
    with pytest.raises(PermissionDenied):
        actions.do_sign_referral_letter(staff["nurse"], letter.pk)
    actions.do_sign_referral_letter(staff["prescriber"], letter.pk)
    with pytest.raises(ValidationError) as error:
        actions.do_update_referral_letter(staff["prescriber"], letter.pk, body="After signing")
    assert "status" in error.value.message_dict
    letter.refresh_from_db()
    letter.body = "Changed"
    with pytest.raises(LockedLetterError):
        letter.save()
    with pytest.raises(DatabaseError), transaction.atomic():
        ReferralLetter.objects.filter(pk=letter.pk).update(body="Rewritten in a shell")
    assert ReferralLetter.objects.get().body == "Edited body"


def test_who_may_write_and_read_letters(referred, staff, other_staff, charted):
    for role in ("nurse", "therapist", "front_desk", "clinic_admin"):
        with pytest.raises(PermissionDenied):
            actions.do_create_referral_letter(staff[role], referred.pk)
    letter = actions.do_create_referral_letter(staff["prescriber"], referred.pk)
    access_referral_letter_by_id(staff["clinic_admin"], letter.pk)
    with pytest.raises(PermissionDenied):
        access_referral_letter_by_id(staff["front_desk"], letter.pk)
    with pytest.raises(Http404):
        access_referral_letter_by_id(other_staff["prescriber"], letter.pk)
    with pytest.raises(Http404):
        actions.do_create_referral_letter(other_staff["prescriber"], referred.pk)


def test_pages_edit_sign_and_print_the_letter_as_typed(client, signed_in, referred, staff, charted, pdf_text):
    signed_in(staff["prescriber"])
    response = client.post(
        reverse("reports:letter_list", args=[referred.pk]), {"recipient_name": "", "recipient_address": ""}
    )
    letter = ReferralLetter.objects.get()
    assert response.url == reverse("reports:letter_detail", args=[letter.pk])
    client.post(
        reverse("reports:letter_detail", args=[letter.pk]),
        {"recipient_name": HOSTILE, "recipient_address": "1 Elm St", "body": "Body <i>&amp; text"},
    )
    client.post(reverse("reports:letter_sign", args=[letter.pk]))
    letter.refresh_from_db()
    assert (letter.status, letter.recipient_name) == ("signed", HOSTILE)
    response = client.post(
        reverse("reports:letter_detail", args=[letter.pk]),
        {"recipient_name": "X", "recipient_address": "", "body": "After"},
    )
    assert response.status_code == 422
    assert ReferralLetter.objects.get().body == "Body <i>&amp; text"
    response = client.get(reverse("reports:letter_pdf", args=[letter.pk]))
    assert (response["Content-Type"], response["Content-Disposition"][:11]) == ("application/pdf", "attachment;")
    printed = b"".join(re.findall(rb"\((.*?)\) Tj", pdf_text(response.content)))
    for literal in (
        HOSTILE.encode(),
        b"Body <i>&amp; text",
        b"Electronically signed by Prescriber Tester",
        b"100 Main St",
    ):
        assert literal in printed


def test_the_api_creates_signs_and_refuses_a_signed_letter(client, referred, staff, other_staff, charted):
    prescriber = bearer(staff["prescriber"])
    response = client.post(f"/api/v1/letters/patients/{referred.pk}", {}, content_type="application/json", **prescriber)
    assert response.status_code == 201, response.content
    letter_id = response.json()["id"]
    assert response.json()["recipient_name"] == "Dr Rivera"
    assert client.post(f"/api/v1/letters/{letter_id}/sign", **bearer(staff["nurse"])).status_code == 403
    assert client.post(f"/api/v1/letters/{letter_id}/sign", **prescriber).json()["status"] == "signed"
    response = client.patch(
        f"/api/v1/letters/{letter_id}", {"body": "x"}, content_type="application/json", **prescriber
    )
    assert response.status_code == 422
    assert client.get(f"/api/v1/letters/{letter_id}", **bearer(other_staff["prescriber"])).status_code == 404
    assert client.get(f"/api/v1/letters/{letter_id}", **bearer(staff["front_desk"])).status_code == 403
    [listed] = client.get(f"/api/v1/letters/patients/{referred.pk}", **bearer(staff["nurse"])).json()
    assert listed["id"] == letter_id
    pdf = client.get(f"/api/v1/letters/{letter_id}/pdf", **prescriber)
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


def test_the_letter_template_page_is_for_clinic_admins(client, signed_in, staff):
    signed_in(staff["clinic_admin"])
    response = client.post(reverse("reports:letter_settings"), {"body_template": "Hello {nope}"})
    assert response.status_code == 422 and "{nope}" in response.content.decode()
    response = client.post(reverse("reports:letter_settings"), {"body_template": "Hello {recipient_name}"})
    assert response.status_code == 302
    signed_in(staff["prescriber"])
    assert client.get(reverse("reports:letter_settings")).status_code == 403
