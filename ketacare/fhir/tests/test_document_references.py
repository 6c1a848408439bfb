"""DocumentReference for the PDFs KetaCare makes (signed session records, signed consultation notes, finalised
REMS forms, signed consents) beside the uploaded files: LOINC types where one fits, categories, the address of
the page that serves the PDF, the encounter; searchable; read only by whom those pages let read them."""

import datetime as dt

import pytest
from django.urls import resolve
from django.utils import timezone
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from ketacare.consultations.models import ConsultationNote, ConsultationNoteStatus
from ketacare.fhir.tests.test_access import ids, outcome
from ketacare.rems.models import FormStatus, MonitoringForm

US_CORE_CATEGORY = "http://hl7.org/fhir/us/core/CodeSystem/us-core-documentreference-category"


@pytest.fixture
def documents(record, staff, sign_session):
    """The IV session signed, a signed consultation note, a finalised REMS form and a draft one."""
    sign_session(record.iv_session, staff["nurse"], staff["prescriber"])
    record.iv_session.refresh_from_db()
    record.consultation = ConsultationNote.objects.create(
        patient=record.patient,
        author=staff["prescriber"],
        status=ConsultationNoteStatus.SIGNED,
        signed_by=staff["prescriber"],
        signed_at=timezone.now(),
    )
    session = record.esketamine_session
    common = {
        "organisation": session.organisation,
        "patient": record.patient,
        "location": session.location,
        "created_by": staff["nurse"],
    }
    record.rems_form = MonitoringForm.objects.create(
        **common,
        session=session,
        status=FormStatus.FINALISED,
        finalised_by=staff["nurse"],
        finalised_at=timezone.now(),
    )
    record.draft_rems_form = MonitoringForm.objects.create(**common)
    return record


def read(fhir_get, user, resource_id: str) -> dict:
    response = fhir_get(user, f"DocumentReference/{resource_id}")
    assert response.status_code == 200, response.content
    resource = response.json()
    FHIRElementFactory.instantiate("DocumentReference", resource)  # strict R4
    return resource


def served_by(url: str, view_name: str, **kwargs) -> None:
    """The attachment is the address of the page that serves the PDF, under KETACARE_PUBLIC_URL."""
    match = resolve("/" + url.split("/", 3)[3])
    assert match.view_name == view_name and match.kwargs == kwargs


def test_a_signed_session_record(documents, staff, fhir_get):
    session = documents.iv_session
    document = read(fhir_get, staff["nurse"], f"session-record-{session.pk}")
    assert document["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-documentreference"]
    assert document["status"] == "current" and document["docStatus"] == "final"
    assert document["type"]["coding"] == [{"system": "http://loinc.org", "code": "11506-3", "display": "Progress note"}]
    categories = {(c["coding"][0]["system"], c["coding"][0]["code"]) for c in document["category"]}
    assert (US_CORE_CATEGORY, "clinical-note") in categories
    assert ("https://ketacare.org/fhir/CodeSystem/document-source", "generated") in categories
    assert document["subject"] == {"reference": f"Patient/{documents.patient.pk}"}
    assert document["date"] == session.signed_at.isoformat()
    assert {a["reference"] for a in document["author"]} == {
        f"Practitioner/{staff['nurse'].pk}",
        f"Practitioner/{staff['prescriber'].pk}",
    }
    assert document["authenticator"]["reference"] == f"Practitioner/{staff['prescriber'].pk}"
    assert document["context"]["encounter"] == [{"reference": f"Encounter/session-{session.pk}"}]
    attachment = document["content"][0]["attachment"]
    assert attachment["contentType"] == "application/pdf"
    assert attachment["creation"] == session.signed_at.isoformat() and attachment["title"]
    served_by(attachment["url"], "treatments:record_pdf", pk=session.pk)


def test_consultation_note_rems_form_and_consent_pdfs(documents, staff, fhir_get):
    note = read(fhir_get, staff["prescriber"], f"consultation-note-{documents.consultation.pk}")
    assert note["type"]["coding"][0]["code"] == "11488-4"
    assert note["context"]["encounter"] == [{"reference": f"Encounter/consultation-{documents.consultation.pk}"}]
    served_by(note["content"][0]["attachment"]["url"], "consultations:note_pdf", pk=documents.consultation.pk)

    form = read(fhir_get, staff["nurse"], f"rems-form-{documents.rems_form.pk}")
    assert form["type"]["coding"][0] == {
        "system": "https://ketacare.org/fhir/CodeSystem/document-type",
        "code": "rems-patient-monitoring-form",
        "display": "SPRAVATO REMS Patient Monitoring Form",
    }
    assert "meta" not in form  # no LOINC type: US Core is not claimed
    assert form["context"]["encounter"] == [{"reference": f"Encounter/session-{documents.esketamine_session.pk}"}]
    served_by(form["content"][0]["attachment"]["url"], "rems:form_pdf", pk=documents.rems_form.pk)
    outcome(fhir_get(staff["nurse"], f"DocumentReference/rems-form-{documents.draft_rems_form.pk}"), 404, "not-found")

    consent = read(fhir_get, staff["front_desk"], f"consent-{documents.consent.pk}")
    assert consent["type"]["coding"][0]["code"] == "59284-0"
    served_by(consent["content"][0]["attachment"]["url"], "consents:pdf", consent_id=documents.consent.pk)
    # The patient's own copy points at the portal's download.
    own = read(fhir_get, documents.patient.user, f"consent-{documents.consent.pk}")
    served_by(own["content"][0]["attachment"]["url"], "consents:portal_pdf", consent_id=documents.consent.pk)


def test_search_by_type_category_date_and_patient(documents, staff, fhir_get):
    reader, patient = staff["prescriber"], documents.patient.pk
    record = f"DocumentReference/session-record-{documents.iv_session.pk}"
    note = f"DocumentReference/consultation-note-{documents.consultation.pk}"
    uploads = {
        f"DocumentReference/{documents.shared_document.pk}",
        f"DocumentReference/{documents.private_document.pk}",
    }
    assert ids(fhir_get(reader, "DocumentReference", type="http://loinc.org|11506-3")) == {record}
    assert ids(fhir_get(reader, "DocumentReference", type="11488-4")) == {note}
    assert ids(fhir_get(reader, "DocumentReference", type="rems-patient-monitoring-form")) == {
        f"DocumentReference/rems-form-{documents.rems_form.pk}"
    }
    assert ids(fhir_get(reader, "DocumentReference", category=f"{US_CORE_CATEGORY}|clinical-note")) == {record, note}
    assert ids(fhir_get(reader, "DocumentReference", category="uploaded")) == uploads
    consents = {
        f"DocumentReference/consent-{pk}" for pk in documents.patient.signed_consents.values_list("pk", flat=True)
    }
    assert ids(fhir_get(reader, "DocumentReference", patient=patient, type="59284-0")) == consents
    tomorrow = (timezone.now() + dt.timedelta(days=1)).date()
    assert not ids(fhir_get(reader, "DocumentReference", date=f"ge{tomorrow}"))
    everything = ids(fhir_get(reader, "DocumentReference", patient=patient, _count=200))
    assert {record, note, *uploads, *consents} <= everything


def test_generated_documents_are_read_as_their_pages_are(documents, staff, other_staff, fhir_get):
    record = f"DocumentReference/session-record-{documents.iv_session.pk}"
    note = f"DocumentReference/consultation-note-{documents.consultation.pk}"
    form = f"DocumentReference/rems-form-{documents.rems_form.pk}"
    outcome(fhir_get(staff["front_desk"], record), 403, "forbidden")  # no session.view
    outcome(fhir_get(staff["clinic_admin"], note), 403, "forbidden")  # no consultations.note_view
    outcome(fhir_get(staff["therapist"], form), 403, "forbidden")  # no rems.view
    front_desk_sees = ids(fhir_get(staff["front_desk"], "DocumentReference", _count=200))
    assert not {record, note, form} & front_desk_sees
    # A patient reads their signed consents, not the clinic's records and forms.
    for path in (record, note, form):
        outcome(fhir_get(documents.patient.user, path), 403, "forbidden")
        outcome(fhir_get(other_staff["prescriber"], path), 404, "not-found")
    patient_sees = ids(fhir_get(documents.patient.user, "DocumentReference"))
    assert f"DocumentReference/consent-{documents.consent.pk}" in patient_sees
    assert not {record, note, form} & patient_sees
