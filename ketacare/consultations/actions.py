"""Every write to consultation notes: permission, organisation scoping, one transaction, one audit
entry (naming the fields, never their text).

Only a prescriber writes a note (CONSULTATION_NOTE_WRITE); the author alone changes and signs their
draft. Signing copies the chart facts the note shows (consultations/selectors.py `chart_facts`) into
it and locks it; afterwards only addenda are written, by any prescriber of the organisation.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.consultations.hooks import consultation_note_signed
from ketacare.consultations.models import (
    NOTE_SECTIONS,
    NOTE_TEXT_FIELDS,
    ConsultationNote,
    ConsultationNoteAddendum,
    ConsultationNoteStatus,
)
from ketacare.consultations.selectors import access_consultation_note_by_id, chart_facts
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_text
from ketacare.patients.selectors import access_patient_by_id

TEXT_MAX_CHARS = 20_000
# A note is signed only with these written: what was found, the decision, and that consent was discussed.
REQUIRED_TO_SIGN = (
    "history_of_present_illness",
    "mental_status_exam",
    "risk_assessment",
    "assessment_and_plan",
    "consent_discussion",
)


def _text_fields(fields: dict, unknown_message: str) -> dict:
    unknown = set(fields) - set(NOTE_TEXT_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), unknown_message))
    return {name: clean_text(name, value, max_chars=TEXT_MAX_CHARS) for name, value in fields.items()}


@transaction.atomic
def do_create_consultation_note(actor, patient_id: int, **fields) -> ConsultationNote:
    """A draft consultation note by the actor (a prescriber), sections as far as written."""
    require_permission(actor, Permission.CONSULTATION_NOTE_WRITE)
    patient = access_patient_by_id(actor, db_id_or_zero(patient_id), audit=False)
    cleaned = _text_fields(fields, "This field cannot be set here.")
    note = ConsultationNote.objects.create(patient=patient, author=actor, **cleaned)
    record_event(
        actor, AuditAction.CREATE, note, patient=patient, detail={"fields": sorted(n for n, v in cleaned.items() if v)}
    )
    return note


def _own_draft(actor, note: ConsultationNote) -> None:
    if note.is_locked:
        raise ValidationError({"status": "The note is signed and locked; write an addendum."})
    if note.author_id != actor.pk:
        raise ValidationError({"status": "Only the prescriber who wrote the draft changes or signs it."})


@transaction.atomic
def do_update_consultation_note(actor, note_id: int, **fields) -> ConsultationNote:
    """Change the author's own draft."""
    require_permission(actor, Permission.CONSULTATION_NOTE_WRITE)
    note = access_consultation_note_by_id(actor, note_id, audit=False, for_update=True)
    _own_draft(actor, note)
    changes = _text_fields(fields, "This field cannot be changed here.")
    changed = sorted(name for name, value in changes.items() if getattr(note, name) != value)
    for name, value in changes.items():
        setattr(note, name, value)
    note.save()
    record_event(actor, AuditAction.UPDATE, note, patient=note.patient, detail={"fields": changed})
    return note


@transaction.atomic
def do_sign_consultation_note(actor, note_id: int) -> ConsultationNote:
    """Sign the author's own draft: the chart facts it shows are copied in, and it is locked."""
    require_permission(actor, Permission.CONSULTATION_NOTE_WRITE)
    note = access_consultation_note_by_id(actor, note_id, audit=False, for_update=True)
    _own_draft(actor, note)
    headings = dict(NOTE_SECTIONS)
    missing = {
        name: f"Write the {headings[name].lower()} before signing."
        for name in REQUIRED_TO_SIGN
        if not getattr(note, name).strip()
    }
    if missing:
        raise ValidationError(missing)
    note.attached_facts = chart_facts(note.patient)
    note.status = ConsultationNoteStatus.SIGNED
    note.signed_by = actor
    note.signed_at = timezone.now()
    note.save()
    record_event(actor, AuditAction.STATUS_CHANGE, note, patient=note.patient, detail={"status": "signed"})
    consultation_note_signed.send(sender=ConsultationNote, note=note, actor=actor)
    return note


@transaction.atomic
def do_add_consultation_note_addendum(actor, note_id: int, *, text: str) -> ConsultationNoteAddendum:
    """A correction or addition to a signed note (any prescriber of the organisation)."""
    require_permission(actor, Permission.CONSULTATION_NOTE_WRITE)
    note = access_consultation_note_by_id(actor, note_id, audit=False, for_update=True)
    if not note.is_locked:
        raise ValidationError({"text": "The note is still a draft: change it instead."})
    text = clean_text("text", text, required=True, max_chars=TEXT_MAX_CHARS)
    addendum = ConsultationNoteAddendum.objects.create(note=note, text=text, written_by=actor)
    record_event(actor, AuditAction.UPDATE, note, patient=note.patient, detail={"addendum_id": addendum.pk})
    return addendum
