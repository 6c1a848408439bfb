"""Signing (issue 16.2): the signature is checked, the exact text and its hash kept, the witness required,
and nobody reads another organisation's or another patient's consents."""

import base64
import hashlib
import io
import random

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from PIL import Image

from ketacare.consents import actions
from ketacare.consents.domain.rules import Coverage
from ketacare.consents.domain.signature import SIGNATURE_MAX_BYTES
from ketacare.consents.models import ConsentRevocation, SignedConsent
from ketacare.consents.selectors import template_for_coverage


def _iv_text(patient):
    return template_for_coverage(patient.organisation_id, Coverage.KETAMINE_IV)


def _sign(user, patient, data_url, channel="in_person", template=None, **extra):
    return actions.do_sign_consent(
        user,
        patient.pk,
        template_id=(template or _iv_text(patient)).pk,
        typed_name=patient.full_name,
        signature_data_url=data_url,
        channel=channel,
        **extra,
    )


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_exact_text_its_hash_and_the_pdf_are_kept(patient, staff, signature_data_url, pdf_text):
    consent = _sign(staff["nurse"], patient, signature_data_url())
    template = _iv_text(patient)
    assert consent.text_signed == f"# {template.title}\n\n{template.body_markdown}"
    assert consent.text_sha256 == hashlib.sha256(consent.text_signed.encode()).hexdigest()
    text = pdf_text(bytes(consent.pdf)).decode("latin-1")
    for fact in (consent.text_sha256, "In person with staff", patient.full_name, "Example text"):
        assert fact in text


@pytest.mark.parametrize(
    ("data_url", "message"),
    [
        ("", "Draw your signature"),
        ("data:image/jpeg;base64,/9j/4AAQ", "must be a PNG"),
        ("data:image/png;base64," + base64.b64encode(b"<svg onload=alert(1)>").decode(), "must be a PNG"),
        ("data:image/png;base64,@@@not-base64", "could not be read"),
        (
            "data:image/png;base64," + base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"junk" * 10).decode(),
            "could not be read",
        ),
        (
            "data:image/png;base64," + base64.b64encode(_png(Image.new("RGBA", (600, 200), (0, 0, 0, 0)))).decode(),
            "empty",
        ),
        (
            "data:image/png;base64," + base64.b64encode(_png(Image.new("RGB", (600, 200), (255, 255, 255)))).decode(),
            "empty",
        ),
    ],
    ids=["missing", "jpeg", "svg-as-png", "not-base64", "truncated-png", "blank-transparent", "blank-white"],
)
def test_a_bad_signature_is_refused_and_nothing_stored(patient, staff, data_url, message):
    with pytest.raises(ValidationError) as refused:
        _sign(staff["nurse"], patient, data_url)
    assert message in " ".join(refused.value.message_dict["signature"])
    assert not SignedConsent.objects.exists()


def test_an_oversize_signature_is_refused(patient, staff, signature_data_url):
    noise = Image.frombytes("L", (600, 600), random.Random(16).randbytes(600 * 600))  # noise does not compress
    png = _png(noise)
    assert len(png) > SIGNATURE_MAX_BYTES
    with pytest.raises(ValidationError) as refused:
        _sign(staff["nurse"], patient, signature_data_url(png))
    assert "larger than" in " ".join(refused.value.message_dict["signature"])


def test_typed_name_is_required(patient, staff, signature_data_url):
    with pytest.raises(ValidationError) as refused:
        actions.do_sign_consent(
            staff["nurse"],
            patient.pk,
            template_id=_iv_text(patient).pk,
            typed_name="  ",
            signature_data_url=signature_data_url(),
            channel="kiosk",
        )
    assert "typed_name" in refused.value.message_dict


def test_witness_required_where_the_text_says_so(patient, staff, password, signature_data_url):
    admin, nurse = staff["clinic_admin"], staff["nurse"]
    witnessed = actions.do_new_consent_template_version(admin, _iv_text(patient).pk, major=True, co_signature="witness")
    with pytest.raises(ValidationError) as refused:
        _sign(nurse, patient, signature_data_url(), channel="kiosk", template=witnessed)
    assert "witness" in " ".join(refused.value.message_dict["witness_username"])
    with pytest.raises(ValidationError) as refused:
        _sign(
            nurse,
            patient,
            signature_data_url(),
            channel="kiosk",
            template=witnessed,
            witness_username=staff["front_desk"].username,
            witness_password="wrong",
        )
    assert "not right" in " ".join(refused.value.message_dict["witness_password"])
    # The patient cannot get a witness at home: the portal refuses it.
    with pytest.raises(ValidationError) as refused:
        _sign(patient.user, patient, signature_data_url(), channel="portal", template=witnessed)
    assert "at the clinic" in " ".join(refused.value.message_dict["witness_username"])
    assert not SignedConsent.objects.exists()

    consent = _sign(
        nurse,
        patient,
        signature_data_url(),
        channel="kiosk",
        template=witnessed,
        witness_username=staff["front_desk"].username,
        witness_password=password,
    )
    assert consent.witness == staff["front_desk"]


def test_prescriber_co_signature_needs_a_prescriber(patient, staff, password, signature_data_url):
    cosigned = actions.do_new_consent_template_version(
        staff["clinic_admin"], _iv_text(patient).pk, major=True, co_signature="prescriber"
    )
    with pytest.raises(ValidationError):
        _sign(
            staff["nurse"],
            patient,
            signature_data_url(),
            template=cosigned,
            witness_username=staff["nurse"].username,
            witness_password=password,
        )
    consent = _sign(
        staff["nurse"],
        patient,
        signature_data_url(),
        template=cosigned,
        witness_username=staff["prescriber"].username,
        witness_password=password,
    )
    assert consent.witness == staff["prescriber"]


def test_an_old_version_cannot_be_signed(patient, staff, signature_data_url):
    old = _iv_text(patient)
    actions.do_new_consent_template_version(staff["clinic_admin"], old.pk, major=False, title="Reworded")
    with pytest.raises(ValidationError) as refused:
        _sign(staff["nurse"], patient, signature_data_url(), template=old)
    assert "current version" in " ".join(refused.value.message_dict["template_id"])


def test_channels_belong_to_their_signers(patient, staff, signature_data_url):
    with pytest.raises(ValidationError):
        _sign(patient.user, patient, signature_data_url(), channel="kiosk")
    with pytest.raises(ValidationError):
        _sign(staff["nurse"], patient, signature_data_url(), channel="portal")
    assert _sign(patient.user, patient, signature_data_url(), channel="portal").signed_by == patient.user


def test_another_organisation_gets_404(patient, other_staff, other_org_patient, staff, signature_data_url):
    from django.http import Http404

    consent = _sign(staff["nurse"], patient, signature_data_url())
    with pytest.raises(Http404):
        _sign(other_staff["nurse"], patient, signature_data_url())
    with pytest.raises(Http404):
        actions.do_revoke_consent(other_staff["nurse"], consent.pk, reason="Not theirs")
    assert not ConsentRevocation.objects.exists()


def test_a_patient_sees_only_their_own_consents(client, patient, second_patient, staff, signature_data_url, signed_in):
    mine = _sign(staff["nurse"], patient, signature_data_url())
    theirs = _sign(staff["nurse"], second_patient, signature_data_url())
    signed_in(patient.user)
    assert client.get(f"/portal/consents/signed/{mine.pk}/pdf/").status_code == 200
    assert client.get(f"/portal/consents/signed/{theirs.pk}/pdf/").status_code == 404
    page = client.get("/portal/consents/").content.decode()
    assert f"/portal/consents/signed/{mine.pk}/pdf/" in page
    assert f"/portal/consents/signed/{theirs.pk}/pdf/" not in page


def test_signed_consents_and_revocations_are_append_only(patient, staff, signature_data_url):
    consent = _sign(staff["nurse"], patient, signature_data_url())
    revocation = actions.do_revoke_consent(staff["nurse"], consent.pk, reason="Withdrew")
    with pytest.raises(ValidationError):
        actions.do_revoke_consent(staff["nurse"], consent.pk, reason="Again")
    for table, row in (("consents_signedconsent", consent.pk), ("consents_consentrevocation", revocation.pk)):
        for statement in (f"UPDATE {table} SET id = id WHERE id = %s", f"DELETE FROM {table} WHERE id = %s"):
            with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(statement, [row])
    assert SignedConsent.objects.get(pk=consent.pk).text_sha256 == consent.text_sha256


def test_portal_signing_page_stores_the_consent(client, patient, signature_data_url, signed_in):
    signed_in(patient.user)
    template = _iv_text(patient)
    page = client.get(f"/portal/consents/{template.pk}/sign/").content.decode()
    assert "Example text: your clinic must review it" in page and "<script>" not in page
    response = client.post(
        f"/portal/consents/{template.pk}/sign/", {"typed_name": "", "signature": signature_data_url()}
    )
    assert response.status_code == 422 and not SignedConsent.objects.exists()
    response = client.post(
        f"/portal/consents/{template.pk}/sign/",
        {"typed_name": patient.full_name, "signature": signature_data_url()},
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 302
    consent = SignedConsent.objects.get()
    assert (consent.channel, consent.source_address, consent.signed_by) == ("portal", "203.0.113.9", patient.user)
