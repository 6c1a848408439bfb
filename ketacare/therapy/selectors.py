"""Access-checked reads of integration-therapy notes.

- progress notes: staff with THERAPY_NOTE_VIEW of the patient's organisation (audited);
- psychotherapy notes: further limited to their author and the treating prescriber (the
  prescriber who made the patient's active plan, else the latest plan). Every read is audited,
  denied attempts included (detail.outcome = "denied"), before the 403/404 is raised;
- anything of another organisation: 404.
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, QuerySet, Value, When
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.audit.reads import audited_record_by_id
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.models import TreatmentPlan
from ketacare.therapy.domain.notes import psychotherapy_note_denial
from ketacare.therapy.models import ProgressNote, PsychotherapyNote

PSYCHOTHERAPY_NOTE_TYPE = "therapy.psychotherapynote"


def treating_prescriber_id(patient: Patient) -> int | None:
    """The prescriber of the patient's active treatment plan, else of their latest plan."""
    plan = (
        TreatmentPlan.objects.filter(patient=patient)
        .annotate(
            active=Case(When(status=PlanStatus.ACTIVE, then=Value(0)), default=Value(1), output_field=IntegerField())
        )
        .order_by("active", "-start_date", "-id")
        .values_list("created_by_id", flat=True)
        .first()
    )
    return plan


# ---------------------------------------------------------------- progress notes


def _visible_progress_notes(user) -> QuerySet[ProgressNote]:
    require_permission(user, Permission.THERAPY_NOTE_VIEW)
    return ProgressNote.objects.filter(patient__organisation_id=user.organisation_id).select_related(
        "patient",
        "patient__organisation",
        "patient__home_location",
        "therapist",
        "plan__template",
        "appointment__appointment_type",
    )


def access_progress_note_by_id(user, note_id: int, *, audit: bool = True, for_update: bool = False) -> ProgressNote:
    return audited_record_by_id(
        user, _visible_progress_notes(user), note_id, missing="No such therapy note", audit=audit, for_update=for_update
    )


def access_progress_notes_by_patient_id(user, patient_id: int) -> tuple[Patient, list[ProgressNote]]:
    """A patient's integration sessions, newest first (audited as one list)."""
    require_permission(user, Permission.THERAPY_NOTE_VIEW)
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    notes = list(_visible_progress_notes(user).filter(patient=patient))
    record_event(
        user, AuditAction.LIST, object_type="therapy.progressnote", patient=patient, detail={"results": len(notes)}
    )
    return patient, notes


# ---------------------------------------------------------------- psychotherapy notes


def _deny(user, note: PsychotherapyNote | None, note_id: int, reason: str) -> None:
    """Audit a refused read (its own transaction: it stays even though the request fails)."""
    if note is None:
        record_event(
            user,
            AuditAction.VIEW,
            object_type=PSYCHOTHERAPY_NOTE_TYPE,
            object_id=str(note_id),
            detail={"outcome": "denied", "reason": reason},
        )
    else:
        record_event(user, AuditAction.VIEW, note, patient=note.patient, detail={"outcome": "denied", "reason": reason})


def may_read_psychotherapy_notes_of(user, patient: Patient) -> bool:
    """Whether the user is the treating prescriber (who reads every note of the patient)."""
    return user.may(Permission.THERAPY_NOTE_VIEW) and treating_prescriber_id(patient) == user.pk


def access_psychotherapy_note_by_id(
    user, note_id: int, *, audit: bool = True, for_update: bool = False
) -> PsychotherapyNote:
    """The note for its author or the treating prescriber; every attempt is audited."""
    notes = PsychotherapyNote.objects.select_related("patient", "patient__organisation", "author", "progress_note")
    if for_update:
        notes = notes.select_for_update(of=("self",))
    note = notes.filter(pk=db_id_or_zero(note_id)).first()
    # As everywhere: a role without the permission gets 403, another organisation's record 404.
    if not user_may(user, Permission.THERAPY_NOTE_VIEW):
        _deny(user, note, note_id, "role")
        require_permission(user, Permission.THERAPY_NOTE_VIEW)
    if note is None or note.patient.organisation_id != user.organisation_id:
        _deny(user, note, note_id, "not found")
        raise Http404("No such psychotherapy note")
    reason = psychotherapy_note_denial(
        reader_id=user.pk, author_id=note.author_id, treating_prescriber_id=treating_prescriber_id(note.patient)
    )
    if reason:
        _deny(user, note, note_id, reason)
        raise PermissionDenied(reason)
    if audit:
        record_event(user, AuditAction.VIEW, note, patient=note.patient, detail={"outcome": "read"})
    return note


def access_psychotherapy_notes_by_patient_id(user, patient_id: int) -> tuple[Patient, list[PsychotherapyNote]]:
    """The patient's psychotherapy notes this user may read: their own, or all of them for the
    treating prescriber. The list (with the ids shown) is audited."""
    if not user_may(user, Permission.THERAPY_NOTE_VIEW):
        record_event(
            user,
            AuditAction.LIST,
            object_type=PSYCHOTHERAPY_NOTE_TYPE,
            detail={"outcome": "denied", "reason": "role", "patient_id": patient_id},
        )
        require_permission(user, Permission.THERAPY_NOTE_VIEW)
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    notes = PsychotherapyNote.objects.filter(patient=patient).select_related("author")
    if not may_read_psychotherapy_notes_of(user, patient):
        notes = notes.filter(author=user)
    notes = list(notes)
    record_event(
        user,
        AuditAction.LIST,
        object_type=PSYCHOTHERAPY_NOTE_TYPE,
        patient=patient,
        detail={"outcome": "read", "ids": [note.pk for note in notes]},
    )
    return patient, notes
