"""The consultation pages and API call the same actions: a signed note is refused an edit in both,
a non-prescriber cannot sign, another organisation finds nothing, and the PDF prints what was typed."""

import re

from django.urls import reverse

from ketacare.accounts.models import ApiToken
from ketacare.consultations import actions
from ketacare.consultations.models import ConsultationNote
from ketacare.measures.actions import do_enter_response

from .conftest import CSSRS_LOW_RISK, SIGNABLE, chart_today, phq9

HOSTILE = 'Ana <img src="http://127.0.0.1:9/x"> & <b'


def bearer(user) -> dict:
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=user, name="test", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    return {"HTTP_AUTHORIZATION": f"Bearer {secret}"}


def test_a_prescriber_writes_signs_and_adds_an_addendum_through_the_pages(client, signed_in, patient, staff):
    signed_in(staff["prescriber"])
    response = client.post(reverse("consultations:note_new", args=[patient.pk]), SIGNABLE)
    note = ConsultationNote.objects.get()
    assert response.url == reverse("consultations:note_detail", args=[note.pk])
    client.post(reverse("consultations:note_sign", args=[note.pk]))
    note.refresh_from_db()
    assert note.status == "signed"
    # The edit form is gone, and a forged post is refused with nothing changed.
    page = client.get(reverse("consultations:note_detail", args=[note.pk])).content.decode()
    assert "Save draft" not in page and "Add addendum" in page
    response = client.post(reverse("consultations:note_detail", args=[note.pk]), SIGNABLE | {"risk_assessment": "x"})
    assert response.status_code == 422
    assert "signed and locked" in response.content.decode()
    note.refresh_from_db()
    assert note.risk_assessment == SIGNABLE["risk_assessment"]
    client.post(reverse("consultations:note_addendum", args=[note.pk]), {"text": "Called patient back"})
    assert note.addenda.get().text == "Called patient back"


def test_the_note_page_shows_the_latest_risk_screens_with_their_dates(client, signed_in, patient, staff, draft):
    do_enter_response(staff["nurse"], patient, "cssrs_screener", CSSRS_LOW_RISK)
    do_enter_response(staff["nurse"], patient, "phq9", phq9(3))
    signed_in(staff["therapist"])
    page = client.get(reverse("consultations:note_detail", args=[draft.pk])).content.decode()
    today = chart_today(patient)
    assert f"C-SSRS screener: Low risk on {today}" in page
    assert f"PHQ-9 item 9: Nearly every day (3) on {today}" in page
    assert "Save draft" not in page  # a therapist reads, never edits


def test_front_desk_is_refused_and_another_organisation_finds_nothing(
    client, signed_in, patient, staff, other_staff, draft
):
    signed_in(staff["front_desk"])
    assert client.get(reverse("consultations:patient_notes", args=[patient.pk])).status_code == 403
    assert client.get(reverse("consultations:note_pdf", args=[draft.pk])).status_code == 403
    signed_in(other_staff["prescriber"])
    assert client.get(reverse("consultations:note_detail", args=[draft.pk])).status_code == 404
    assert client.post(reverse("consultations:note_sign", args=[draft.pk])).status_code == 404


def test_the_pdf_prints_hostile_text_literally_with_the_signature(client, signed_in, patient, staff, pdf_text):
    note = actions.do_create_consultation_note(
        staff["prescriber"], patient.pk, **SIGNABLE | {"medical_history": HOSTILE}
    )
    actions.do_sign_consultation_note(staff["prescriber"], note.pk)
    actions.do_add_consultation_note_addendum(staff["prescriber"], note.pk, text="Addendum <i>&amp;")
    signed_in(staff["nurse"])
    response = client.get(reverse("consultations:note_pdf", args=[note.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    # The text runs as drawn (reportlab splits a line into runs at each markup character it escaped).
    printed = b"".join(re.findall(rb"\((.*?)\) Tj", pdf_text(response.content)))
    for literal in (b'Ana <img src="http://127.0.0.1:9/x"> & <b', b"Addendum <i>&amp;", b"Signed by Prescriber Tester"):
        assert literal in printed


def test_the_api_writes_signs_and_refuses_a_signed_note(client, patient, staff):
    prescriber = bearer(staff["prescriber"])
    url = f"/api/v1/consultations/patients/{patient.pk}/notes"
    response = client.post(url, SIGNABLE, content_type="application/json", **prescriber)
    assert response.status_code == 201, response.content
    note_id = response.json()["id"]
    assert client.post(f"/api/v1/consultations/notes/{note_id}/sign", **bearer(staff["nurse"])).status_code == 403
    response = client.post(f"/api/v1/consultations/notes/{note_id}/sign", **prescriber)
    assert response.json()["status"] == "signed"
    assert "phq9_item9" in response.json()["chart_facts"]
    response = client.patch(
        f"/api/v1/consultations/notes/{note_id}",
        {"risk_assessment": "x"},
        content_type="application/json",
        **prescriber,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "status"
    response = client.post(
        f"/api/v1/consultations/notes/{note_id}/addenda",
        {"text": "Later"},
        content_type="application/json",
        **prescriber,
    )
    assert response.status_code == 201
    note = client.get(f"/api/v1/consultations/notes/{note_id}", **bearer(staff["therapist"])).json()
    assert (note["risk_assessment"], [a["text"] for a in note["addenda"]]) == (SIGNABLE["risk_assessment"], ["Later"])
    pdf = client.get(f"/api/v1/consultations/notes/{note_id}/pdf", **prescriber)
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


def test_the_api_refuses_front_desk_and_other_organisations(client, patient, staff, other_staff, draft):
    assert client.get(f"/api/v1/consultations/notes/{draft.pk}", **bearer(staff["front_desk"])).status_code == 403
    assert client.get(f"/api/v1/consultations/notes/{draft.pk}", **bearer(other_staff["nurse"])).status_code == 404
    response = client.get(f"/api/v1/consultations/patients/{patient.pk}/notes", **bearer(other_staff["prescriber"]))
    assert response.status_code == 404
