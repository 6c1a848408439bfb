"""Goal (the goals a signed integration-therapy note states), Procedure (each IV infusion) and Provenance (who
signed a session record, a consultation note, a consent): valid R4 (fhirclient, strict), searchable, and read
only by whom the pages let read the records they come from."""

import datetime as dt
import zoneinfo

import pytest
from django.utils import timezone
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from ketacare.consultations.models import ConsultationNote, ConsultationNoteStatus
from ketacare.fhir.tests.test_access import ids, outcome
from ketacare.therapy.models import NoteStatus, ProgressNote


def parsed(response) -> dict:
    assert response.status_code == 200, response.content
    resource = response.json()
    FHIRElementFactory.instantiate(resource["resourceType"], resource)  # strict: unknown elements raise
    return resource


@pytest.fixture
def signed(record, staff, sign_session):
    """The IV session signed by its nurse and prescriber, and a signed consultation note."""
    sign_session(record.iv_session, staff["nurse"], staff["prescriber"])
    record.iv_session.refresh_from_db()
    record.consultation = ConsultationNote.objects.create(
        patient=record.patient,
        author=staff["prescriber"],
        assessment_and_plan="IV ketamine induction.",
        status=ConsultationNoteStatus.SIGNED,
        signed_by=staff["prescriber"],
        signed_at=timezone.now(),
    )
    return record


# ------------------------------------------------------------------ Goal


def test_a_signed_therapy_notes_goals_are_a_goal(record, staff, fhir_get):
    note = record.progress_note
    goal = parsed(fhir_get(staff["therapist"], f"Goal/{note.pk}"))
    assert goal["lifecycleStatus"] == "active"
    assert goal["description"] == {"text": "Keep the morning walk; call one friend this week."}
    assert goal["subject"] == {"reference": f"Patient/{record.patient.pk}"}
    zone = zoneinfo.ZoneInfo(record.patient.zone_name)
    assert goal["startDate"] == note.session_at.astimezone(zone).date().isoformat()
    assert goal["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-goal"]
    assert ids(fhir_get(staff["nurse"], "Goal", patient=record.patient.pk)) == {f"Goal/{note.pk}"}
    assert ids(fhir_get(staff["nurse"], "Goal", patient=record.patient.pk, **{"lifecycle-status": "active"}))
    assert not ids(fhir_get(staff["nurse"], "Goal", **{"lifecycle-status": "completed"}))


def test_drafts_and_notes_without_goals_state_none(record, staff, fhir_get):
    common = {"patient": record.patient, "therapist": staff["therapist"], "session_at": timezone.now()}
    draft = ProgressNote.objects.create(**common, duration_minutes=50, goals="Draft goal")
    no_goals = ProgressNote.objects.create(
        **common, duration_minutes=50, themes="Rest", status=NoteStatus.SIGNED, signed_at=timezone.now()
    )
    served = ids(fhir_get(staff["prescriber"], "Goal"))
    assert served == {f"Goal/{record.progress_note.pk}"}
    outcome(fhir_get(staff["prescriber"], f"Goal/{draft.pk}"), 404, "not-found")
    outcome(fhir_get(staff["prescriber"], f"Goal/{no_goals.pk}"), 404, "not-found")


def test_goals_are_read_as_therapy_notes_are(record, staff, other_staff, fhir_get):
    path = f"Goal/{record.progress_note.pk}"
    for role in ("front_desk", "clinic_admin"):  # no therapy.note_view
        outcome(fhir_get(staff[role], path), 403, "forbidden")
        outcome(fhir_get(staff[role], "Goal"), 403, "forbidden")
    outcome(fhir_get(record.patient.user, "Goal"), 403, "forbidden")  # the portal shows no therapy notes
    outcome(fhir_get(other_staff["therapist"], path), 404, "not-found")
    assert not ids(fhir_get(other_staff["therapist"], "Goal"))


# ------------------------------------------------------------------ Procedure


def test_an_iv_infusion_is_a_procedure(record, staff, fhir_get):
    session = record.iv_session
    procedure = parsed(fhir_get(staff["nurse"], f"Procedure/infusion-{session.pk}"))
    assert procedure["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-procedure"]
    assert procedure["status"] == "completed"
    assert procedure["code"]["coding"] == [
        {"system": "http://snomed.info/sct", "code": "14152002", "display": "Intravenous infusion"}
    ]
    assert procedure["performedPeriod"] == {
        "start": session.administration_started_at.isoformat(),
        "end": session.administration_stopped_at.isoformat(),
    }
    assert procedure["performer"] == [
        {
            "actor": {"reference": f"Practitioner/{staff['nurse'].pk}", "display": staff["nurse"].display_name},
            "onBehalfOf": {"reference": f"Organization/{session.organisation_id}"},
        }
    ]
    assert procedure["encounter"] == {"reference": f"Encounter/session-{session.pk}"}
    assert procedure["reasonReference"] == [
        {"reference": f"Condition/{record.diagnosis.pk}", "display": "MDD, recurrent, severe"}
    ]


def test_procedures_are_iv_infusions_only_and_searchable(record, staff, fhir_get):
    infusion = f"Procedure/infusion-{record.iv_session.pk}"
    # The esketamine session is nasal: no infusion.
    assert ids(fhir_get(staff["nurse"], "Procedure", patient=record.patient.pk)) == {infusion}
    outcome(fhir_get(staff["nurse"], f"Procedure/infusion-{record.esketamine_session.pk}"), 404, "not-found")
    assert ids(fhir_get(staff["nurse"], "Procedure", code="http://snomed.info/sct|14152002")) == {infusion}
    assert not ids(fhir_get(staff["nurse"], "Procedure", code="http://snomed.info/sct|47625008"))
    assert ids(fhir_get(staff["nurse"], "Procedure", status="completed")) == {infusion}
    assert not ids(fhir_get(staff["nurse"], "Procedure", status="in-progress"))
    started = record.iv_session.administration_started_at.date()
    assert ids(fhir_get(staff["nurse"], "Procedure", date=f"ge{started - dt.timedelta(days=1)}")) == {infusion}
    assert not ids(fhir_get(staff["nurse"], "Procedure", date=f"gt{started + dt.timedelta(days=1)}"))
    outcome(fhir_get(staff["nurse"], "Procedure", status="done"), 400, "invalid")


def test_procedures_are_read_as_the_session_chart_is(record, staff, other_staff, fhir_get):
    path = f"Procedure/infusion-{record.iv_session.pk}"
    outcome(fhir_get(staff["front_desk"], path), 403, "forbidden")
    assert parsed(fhir_get(record.patient.user, path))["id"] == f"infusion-{record.iv_session.pk}"
    outcome(fhir_get(other_staff["nurse"], path), 404, "not-found")


# ------------------------------------------------------------------ Provenance


def test_a_signed_session_records_provenance_names_its_signers(signed, staff, fhir_get):
    session = signed.iv_session
    provenance = parsed(fhir_get(staff["prescriber"], f"Provenance/session-{session.pk}"))
    assert provenance["meta"]["profile"] == ["http://hl7.org/fhir/us/core/StructureDefinition/us-core-provenance"]
    assert provenance["recorded"] == session.signed_at.isoformat()
    assert provenance["target"] == [
        {"reference": f"Encounter/session-{session.pk}"},
        {"reference": f"DocumentReference/session-record-{session.pk}"},
        {"reference": f"Procedure/infusion-{session.pk}"},
    ]
    agents = {agent["type"]["coding"][0]["code"]: agent for agent in provenance["agent"]}
    assert agents["author"]["who"]["reference"] == f"Practitioner/{staff['nurse'].pk}"
    assert agents["verifier"]["who"]["reference"] == f"Practitioner/{staff['prescriber'].pk}"
    assert agents["author"]["type"]["coding"][0]["system"] == (
        "http://terminology.hl7.org/CodeSystem/provenance-participant-type"
    )
    assert agents["verifier"]["onBehalfOf"] == {"reference": f"Organization/{session.organisation_id}"}


def test_consent_and_consultation_note_provenance(signed, staff, fhir_get):
    consent = signed.consent
    provenance = parsed(fhir_get(staff["front_desk"], f"Provenance/consent-{consent.pk}"))
    assert provenance["target"] == [
        {"reference": f"Consent/{consent.pk}"},
        {"reference": f"DocumentReference/consent-{consent.pk}"},
    ]
    assert provenance["agent"][0]["who"]["reference"] == f"Patient/{signed.patient.pk}"
    assert provenance["agent"][0]["type"]["coding"][0]["code"] == "author"
    note = signed.consultation
    provenance = parsed(fhir_get(staff["therapist"], f"Provenance/consultation-{note.pk}"))
    assert provenance["agent"][0]["who"]["reference"] == f"Practitioner/{staff['prescriber'].pk}"
    assert provenance["recorded"] == note.signed_at.isoformat()


def test_provenance_search_by_target_and_patient(signed, staff, fhir_get):
    session, note, consent = signed.iv_session, signed.consultation, signed.consent
    reader = staff["prescriber"]
    assert ids(fhir_get(reader, "Provenance", target=f"Encounter/session-{session.pk}")) == {
        f"Provenance/session-{session.pk}"
    }
    assert ids(fhir_get(reader, "Provenance", target=f"Procedure/infusion-{session.pk}")) == {
        f"Provenance/session-{session.pk}"
    }
    assert ids(fhir_get(reader, "Provenance", target=f"DocumentReference/consultation-note-{note.pk}")) == {
        f"Provenance/consultation-{note.pk}"
    }
    assert ids(fhir_get(reader, "Provenance", target=f"Consent/{consent.pk}")) == {f"Provenance/consent-{consent.pk}"}
    # The esketamine session is not signed: nothing signed, no provenance.
    assert not ids(fhir_get(reader, "Provenance", target=f"Encounter/session-{signed.esketamine_session.pk}"))
    every = ids(fhir_get(reader, "Provenance", patient=signed.patient.pk))
    assert {f"Provenance/session-{session.pk}", f"Provenance/consultation-{note.pk}"} <= every
    assert len(every) == 2 + signed.patient.signed_consents.count()
    body = outcome(fhir_get(reader, "Provenance", target="session-1"), 400, "invalid")
    assert body["issue"][0]["expression"] == ["target"]


def test_provenance_is_read_as_the_signed_record_is(signed, staff, other_staff, fhir_get):
    session, note, consent = signed.iv_session, signed.consultation, signed.consent
    # Front desk reads consents, not session charts or consultation notes.
    assert ids(fhir_get(staff["front_desk"], "Provenance")) == {
        f"Provenance/consent-{pk}" for pk in signed.patient.signed_consents.values_list("pk", flat=True)
    }
    outcome(fhir_get(staff["front_desk"], f"Provenance/session-{session.pk}"), 403, "forbidden")
    outcome(fhir_get(staff["clinic_admin"], f"Provenance/consultation-{note.pk}"), 403, "forbidden")
    # The patient reads their own; another clinic reads nothing of it.
    assert f"Provenance/consent-{consent.pk}" in ids(fhir_get(signed.patient.user, "Provenance"))
    outcome(fhir_get(other_staff["prescriber"], f"Provenance/session-{session.pk}"), 404, "not-found")
    assert not ids(fhir_get(other_staff["prescriber"], "Provenance"))
