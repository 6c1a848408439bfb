"""Integration-session progress notes: linked to the course, structured, signed and locked, addenda."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentType
from ketacare.therapy import actions
from ketacare.therapy.models import LockedNoteError, ProgressNote
from ketacare.therapy.selectors import access_progress_note_by_id

from .conftest import SIGNABLE


def _appointment(patient, staff, kind):
    location = patient.organisation.locations.first()
    appointment_type = AppointmentType.objects.create(
        organisation=patient.organisation, kind=kind, name=kind, duration_minutes=50
    )
    start = timezone.now() - dt.timedelta(hours=3)
    return Appointment.objects.create(
        organisation=patient.organisation,
        location=location,
        patient=patient,
        appointment_type=appointment_type,
        starts_at=start,
        ends_at=start + dt.timedelta(minutes=50),
        clinician=staff["therapist"],
        created_by=staff["front_desk"],
    )


def test_a_note_links_to_an_integration_appointment_and_the_plan(patient, staff, plan, audit_entries):
    appointment = _appointment(patient, staff, AppointmentKind.INTEGRATION)
    note = actions.do_create_progress_note(
        staff["therapist"],
        patient.pk,
        session_at=appointment.starts_at,
        duration_minutes=50,
        appointment_id=appointment.pk,
        plan_id=plan.pk,
        **SIGNABLE,
    )
    assert (note.appointment, note.plan, note.therapist, note.status) == (
        appointment,
        plan,
        staff["therapist"],
        "draft",
    )
    assert audit_entries(object_type="therapy.progressnote", action=AuditAction.CREATE)[0].patient == patient


def test_a_treatment_appointment_or_another_patients_plan_is_refused(patient, second_patient, staff, plan):
    infusion = _appointment(patient, staff, AppointmentKind.IV_INFUSION)
    with pytest.raises(ValidationError) as error:
        actions.do_create_progress_note(
            staff["therapist"], patient.pk, session_at=timezone.now(), duration_minutes=50, appointment_id=infusion.pk
        )
    assert "appointment_id" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.do_create_progress_note(
            staff["therapist"], second_patient.pk, session_at=timezone.now(), duration_minutes=50, plan_id=plan.pk
        )
    assert "plan_id" in error.value.message_dict
    assert not ProgressNote.objects.exists()


def test_signing_needs_every_section_and_a_risk_note_when_concerns(patient, staff, plan):
    note = actions.do_create_progress_note(
        staff["therapist"],
        patient.pk,
        session_at=timezone.now(),
        duration_minutes=50,
        themes="Grief",
        risk_check="escalated",
    )
    with pytest.raises(ValidationError) as error:
        actions.do_sign_progress_note(staff["therapist"], note.pk)
    assert set(error.value.message_dict) == {"goals", "practices", "risk_note"}
    assert ProgressNote.objects.get(pk=note.pk).status == "draft"


def test_a_signed_note_is_locked_and_takes_addenda(progress_note, staff):
    with pytest.raises(ValidationError):
        actions.do_sign_progress_note(staff["prescriber"], progress_note.pk)  # not the author
    actions.do_sign_progress_note(staff["therapist"], progress_note.pk)
    with pytest.raises(ValidationError):
        actions.do_update_progress_note(staff["therapist"], progress_note.pk, themes="Changed")
    stored = ProgressNote.objects.get(pk=progress_note.pk)
    stored.themes = "tampered"
    with pytest.raises(LockedNoteError):
        stored.save()
    actions.do_add_progress_note_addendum(staff["prescriber"], progress_note.pk, text="Discussed with therapist")
    assert ProgressNote.objects.get(pk=progress_note.pk).addenda.count() == 1


def test_roles_and_organisations(progress_note, staff, other_staff):
    assert access_progress_note_by_id(staff["nurse"], progress_note.pk).pk == progress_note.pk
    for role in ("front_desk", "clinic_admin"):
        with pytest.raises(PermissionDenied):
            access_progress_note_by_id(staff[role], progress_note.pk)
    with pytest.raises(Http404):
        access_progress_note_by_id(other_staff["therapist"], progress_note.pk)
    with pytest.raises(PermissionDenied):
        actions.do_update_progress_note(staff["nurse"], progress_note.pk, themes="x")


def test_pages_write_and_sign_a_note(signed_in, staff, patient, plan):
    patient.home_location = patient.organisation.locations.get(name="Harbor Boston")
    patient.save(update_fields=["home_location"])
    client = signed_in(staff["therapist"])
    assert client.get(f"/therapy/patients/{patient.pk}/").status_code == 200
    response = client.post(
        f"/therapy/patients/{patient.pk}/",
        {
            "session_at": "2026-11-20T10:00",
            "duration_minutes": "50",
            "plan_id": str(plan.pk),
            **SIGNABLE,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    note = ProgressNote.objects.get()
    assert note.plan == plan
    # Entered in the patient's zone (Boston): 10:00 EST is 15:00 UTC.
    assert note.session_at == dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)
    assert client.post(f"/therapy/notes/{note.pk}/sign/").status_code == 302
    assert ProgressNote.objects.get().status == "signed"
    page = client.get(f"/therapy/notes/{note.pk}/")
    assert b"Journal after sessions" in page.content and b"Add addendum" in page.content


def test_a_bad_page_entry_names_the_field_and_saves_nothing(signed_in, staff, patient):
    response = signed_in(staff["therapist"]).post(
        f"/therapy/patients/{patient.pk}/",
        {
            "session_at": "not a date",
            "duration_minutes": "9999",
        },
    )
    assert response.status_code == 200 and not ProgressNote.objects.exists()
    assert b"Enter a valid date/time" in response.content


def test_pages_refuse_roles_and_other_organisations(signed_in, staff, other_staff, patient, progress_note):
    assert signed_in(staff["front_desk"]).get(f"/therapy/patients/{patient.pk}/").status_code == 403
    assert signed_in(staff["nurse"]).post(f"/therapy/patients/{patient.pk}/", {}).status_code == 403
    assert signed_in(other_staff["therapist"]).get(f"/therapy/notes/{progress_note.pk}/").status_code == 404


def test_the_api_creates_changes_signs_and_adds(signed_in, staff, patient, plan):
    client = signed_in(staff["therapist"])
    base = "/api/v1/therapy"
    response = client.post(
        f"{base}/patients/{patient.pk}/notes",
        {
            "session_at": "2026-11-20T10:00:00Z",
            "duration_minutes": 50,
            "plan_id": plan.pk,
            "themes": "Grief",
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.json()
    note_id = response.json()["id"]
    assert client.post(f"{base}/notes/{note_id}/sign").status_code == 422
    response = client.patch(
        f"{base}/notes/{note_id}",
        {"goals": "Walk", "practices": "Journal", "risk_check": "no_concerns"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert client.post(f"{base}/notes/{note_id}/sign").json()["status"] == "signed"
    response = client.post(f"{base}/notes/{note_id}/addenda", {"text": "Late entry"}, content_type="application/json")
    assert response.status_code == 201
    assert client.get(f"{base}/notes/{note_id}").json()["addenda"][0]["text"] == "Late entry"
    naive = client.post(
        f"{base}/patients/{patient.pk}/notes",
        {"session_at": "2026-11-20T10:00:00", "duration_minutes": 50},
        content_type="application/json",
    )
    assert naive.status_code == 422
