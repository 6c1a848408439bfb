"""Every write to integration-therapy notes: permission, organisation scoping, one transaction,
one audit entry.

Psychotherapy-note writes first check the writer may read the note (only the author writes to
it) outside the write's transaction, so a refused attempt stays in the audit trail.
"""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_text
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.models import TreatmentPlan
from ketacare.scheduling.models import Appointment, AppointmentKind
from ketacare.therapy.domain.notes import RiskCheck, progress_note_problems
from ketacare.therapy.hooks import progress_note_signed
from ketacare.therapy.models import (
    NoteStatus,
    ProgressNote,
    ProgressNoteAddendum,
    PsychotherapyNote,
    PsychotherapyNoteAddendum,
)
from ketacare.therapy.selectors import (
    access_progress_note_by_id,
    access_psychotherapy_note_by_id,
)

TEXT_MAX_CHARS = 20_000
NOTE_TEXT_FIELDS = ("themes", "goals", "practices", "risk_note")
# Appointments of these statuses can carry a note (one booked and checked in, or already held).
NOTE_APPOINTMENT_STATUSES = ("booked", "checked_in", "completed")


def _risk_check(value) -> str:
    value = (value or "").strip()
    if value and value not in {check.value for check in RiskCheck}:
        raise ValidationError({"risk_check": f"Choose one of: {', '.join(check.value for check in RiskCheck)}."})
    return value


def _session_at(value, patient) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        raise ValidationError({"session_at": "Enter the date and time of the session."})
    if timezone.is_naive(value):
        value = timezone.make_aware(value, timezone.get_default_timezone())
    if value > timezone.now() + dt.timedelta(days=1):
        raise ValidationError({"session_at": "A note is written for a session that has taken place."})
    if value < timezone.now() - dt.timedelta(days=3650):
        raise ValidationError({"session_at": "The session date is more than ten years ago."})
    return value


def _duration(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 480:
        raise ValidationError({"duration_minutes": "Enter whole minutes from 1 to 480."})
    return value


def _plan(patient, plan_id):
    if plan_id in (None, ""):
        return None
    plan = TreatmentPlan.objects.filter(pk=db_id_or_zero(plan_id), patient=patient).first()
    if plan is None:
        raise ValidationError({"plan_id": "Choose one of this patient's treatment plans."})
    return plan


def _appointment(patient, appointment_id):
    """An integration appointment of this patient (booked through scheduling), or None."""
    if appointment_id in (None, ""):
        return None
    appointment = (
        Appointment.objects.select_related("appointment_type")
        .filter(pk=db_id_or_zero(appointment_id), patient=patient)
        .first()
    )
    if appointment is None:
        raise ValidationError({"appointment_id": "Choose one of this patient's appointments."})
    if appointment.appointment_type.kind != AppointmentKind.INTEGRATION:
        raise ValidationError({"appointment_id": "Choose an integration therapy appointment."})
    if appointment.status not in NOTE_APPOINTMENT_STATUSES:
        raise ValidationError({"appointment_id": "This appointment was cancelled or missed."})
    return appointment


def _note_fields(fields: dict) -> dict:
    cleaned = {name: clean_text(name, fields.get(name, ""), max_chars=TEXT_MAX_CHARS) for name in NOTE_TEXT_FIELDS}
    cleaned["risk_check"] = _risk_check(fields.get("risk_check", ""))
    return cleaned


@transaction.atomic
def do_create_progress_note(
    actor, patient_id: int, *, session_at, duration_minutes, plan_id=None, appointment_id=None, **fields
) -> ProgressNote:
    """A draft note of one integration session, linked to the plan and the appointment if given."""
    require_permission(actor, Permission.THERAPY_NOTE_WRITE)
    patient = access_patient_by_id(actor, db_id_or_zero(patient_id), audit=False)
    unknown = set(fields) - set(NOTE_TEXT_FIELDS) - {"risk_check"}
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be set here."))
    appointment = _appointment(patient, appointment_id)
    plan = _plan(patient, plan_id)
    if plan is None and appointment is not None and appointment.course_id:
        plan = appointment.course.plan
    note = ProgressNote.objects.create(
        patient=patient,
        plan=plan,
        appointment=appointment,
        therapist=actor,
        session_at=_session_at(session_at, patient),
        duration_minutes=_duration(duration_minutes),
        **_note_fields(fields),
    )
    record_event(
        actor,
        AuditAction.CREATE,
        note,
        patient=patient,
        detail={
            "plan_id": note.plan_id,
            "appointment_id": note.appointment_id,
        },
    )
    return note


def _own_draft(actor, note) -> None:
    """The actor's role may write notes; whose note it is, is a rule of the note itself."""
    if note.is_locked:
        raise ValidationError({"status": "The note is signed and locked; write an addendum."})
    author_id = note.therapist_id if isinstance(note, ProgressNote) else note.author_id
    if author_id != actor.pk:
        raise ValidationError({"status": "Only the author changes or signs a draft note."})


@transaction.atomic
def do_update_progress_note(actor, note_id: int, **fields) -> ProgressNote:
    """Change the author's own draft."""
    require_permission(actor, Permission.THERAPY_NOTE_WRITE)
    note = access_progress_note_by_id(actor, note_id, audit=False, for_update=True)
    _own_draft(actor, note)
    allowed = set(NOTE_TEXT_FIELDS) | {"risk_check", "duration_minutes", "session_at"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))
    changes = {}
    for name, value in fields.items():
        if name == "risk_check":
            changes[name] = _risk_check(value)
        elif name == "duration_minutes":
            changes[name] = _duration(value)
        elif name == "session_at":
            changes[name] = _session_at(value, note.patient)
        else:
            changes[name] = clean_text(name, value, max_chars=TEXT_MAX_CHARS)
    for name, value in changes.items():
        setattr(note, name, value)
    note.save()
    record_event(actor, AuditAction.UPDATE, note, patient=note.patient, detail={"fields": sorted(changes)})
    return note


@transaction.atomic
def do_sign_progress_note(actor, note_id: int) -> ProgressNote:
    """Sign the author's own draft; it is locked from then on."""
    require_permission(actor, Permission.THERAPY_NOTE_WRITE)
    note = access_progress_note_by_id(actor, note_id, audit=False, for_update=True)
    _own_draft(actor, note)
    problems = progress_note_problems(
        themes=note.themes,
        goals=note.goals,
        practices=note.practices,
        risk_check=note.risk_check,
        risk_note=note.risk_note,
    )
    if problems:
        raise ValidationError(problems)
    note.status = NoteStatus.SIGNED
    note.signed_at = timezone.now()
    note.save()
    record_event(actor, AuditAction.STATUS_CHANGE, note, patient=note.patient, detail={"status": "signed"})
    progress_note_signed.send(sender=ProgressNote, note=note, actor=actor)
    return note


@transaction.atomic
def do_add_progress_note_addendum(actor, note_id: int, *, text: str) -> ProgressNoteAddendum:
    """A correction or addition to a signed progress note."""
    require_permission(actor, Permission.THERAPY_NOTE_WRITE)
    note = access_progress_note_by_id(actor, note_id, audit=False, for_update=True)
    if not note.is_locked:
        raise ValidationError({"text": "The note is still a draft: change it instead."})
    text = clean_text("text", text, max_chars=TEXT_MAX_CHARS)
    if not text:
        raise ValidationError({"text": "Write the addendum."})
    addendum = ProgressNoteAddendum.objects.create(note=note, text=text, written_by=actor)
    record_event(actor, AuditAction.UPDATE, note, patient=note.patient, detail={"addendum_id": addendum.pk})
    return addendum


# ---------------------------------------------------------------- psychotherapy notes


@transaction.atomic
def do_create_psychotherapy_note(actor, patient_id: int, *, text: str, progress_note_id=None) -> PsychotherapyNote:
    """A draft psychotherapy note by the actor (who alone, with the treating prescriber, reads it)."""
    require_permission(actor, Permission.THERAPY_NOTE_WRITE)
    patient = access_patient_by_id(actor, db_id_or_zero(patient_id), audit=False)
    text = clean_text("text", text, max_chars=TEXT_MAX_CHARS)
    if not text:
        raise ValidationError({"text": "Write the note."})
    progress_note = None
    if progress_note_id not in (None, ""):
        progress_note = ProgressNote.objects.filter(pk=db_id_or_zero(progress_note_id), patient=patient).first()
        if progress_note is None:
            raise ValidationError({"progress_note_id": "Choose one of this patient's integration sessions."})
    note = PsychotherapyNote.objects.create(patient=patient, author=actor, progress_note=progress_note, text=text)
    # The audit entry names the note, never its text.
    record_event(actor, AuditAction.CREATE, note, patient=patient)
    return note


def _psychotherapy_note_for_write(actor, note_id: int) -> None:
    """Refuse (and audit) anyone who may not read the note, before the write's transaction."""
    require_permission(actor, Permission.THERAPY_NOTE_WRITE)
    access_psychotherapy_note_by_id(actor, note_id, audit=False)


def do_update_psychotherapy_note(actor, note_id: int, *, text: str) -> PsychotherapyNote:
    _psychotherapy_note_for_write(actor, note_id)
    return _update_psychotherapy_note(actor, note_id, text)


@transaction.atomic
def _update_psychotherapy_note(actor, note_id: int, text: str) -> PsychotherapyNote:
    note = access_psychotherapy_note_by_id(actor, note_id, audit=False, for_update=True)
    _own_draft(actor, note)
    text = clean_text("text", text, max_chars=TEXT_MAX_CHARS)
    if not text:
        raise ValidationError({"text": "Write the note."})
    note.text = text
    note.save()
    record_event(actor, AuditAction.UPDATE, note, patient=note.patient, detail={"fields": ["text"]})
    return note


def do_sign_psychotherapy_note(actor, note_id: int) -> PsychotherapyNote:
    _psychotherapy_note_for_write(actor, note_id)
    return _sign_psychotherapy_note(actor, note_id)


@transaction.atomic
def _sign_psychotherapy_note(actor, note_id: int) -> PsychotherapyNote:
    note = access_psychotherapy_note_by_id(actor, note_id, audit=False, for_update=True)
    _own_draft(actor, note)
    note.status = NoteStatus.SIGNED
    note.signed_at = timezone.now()
    note.save()
    record_event(actor, AuditAction.STATUS_CHANGE, note, patient=note.patient, detail={"status": "signed"})
    return note


def do_add_psychotherapy_note_addendum(actor, note_id: int, *, text: str) -> PsychotherapyNoteAddendum:
    _psychotherapy_note_for_write(actor, note_id)
    return _add_psychotherapy_note_addendum(actor, note_id, text)


@transaction.atomic
def _add_psychotherapy_note_addendum(actor, note_id: int, text: str) -> PsychotherapyNoteAddendum:
    note = access_psychotherapy_note_by_id(actor, note_id, audit=False, for_update=True)
    if note.author_id != actor.pk:
        raise ValidationError({"text": "Only the author adds to a psychotherapy note."})
    if not note.is_locked:
        raise ValidationError({"text": "The note is still a draft: change it instead."})
    text = clean_text("text", text, max_chars=TEXT_MAX_CHARS)
    if not text:
        raise ValidationError({"text": "Write the addendum."})
    addendum = PsychotherapyNoteAddendum.objects.create(note=note, text=text, written_by=actor)
    record_event(actor, AuditAction.UPDATE, note, patient=note.patient, detail={"addendum_id": addendum.pk})
    return addendum
