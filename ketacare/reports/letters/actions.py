"""Every write to referral letters: permission, organisation scoping, one transaction, one audit entry.

A prescriber (REFERRAL_LETTER_WRITE) writes a letter: the letterhead is copied from the organisation
and the patient's location, the recipient from the patient's referring clinician, and the body is the
organisation's template filled with the progress summary's facts (reports' own
`access_progress_summary_by_patient_id`, audited as an export: the facts leave the clinic in the
letter). The author edits the draft and signs it; a signed letter is locked.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_text
from ketacare.patients.models import Patient
from ketacare.reports.domain.letters import fill_letter
from ketacare.reports.letters.selectors import access_referral_letter_by_id, letter_settings_of
from ketacare.reports.models import LetterStatus, ReferralLetter, ReferralLetterSettings
from ketacare.reports.selectors.progress_summary import (
    ProgressSummary,
    access_progress_summary_by_patient_id,
    score_lines,
)

BODY_MAX_CHARS = 20_000
NAME_MAX_CHARS = 200
ADDRESS_MAX_CHARS = 1000
LETTER_FIELDS = ("recipient_name", "recipient_address", "body")


def _letterhead(patient: Patient) -> dict:
    """The organisation's name, and the address and phone of the patient's location (else the first)."""
    organisation = patient.organisation
    location = patient.home_location or organisation.locations.filter(is_active=True).order_by("pk").first()
    return {
        "letterhead_name": organisation.name,
        "letterhead_address": location.address if location else "",
        "letterhead_phone": (location.phone if location else "") or organisation.phone,
    }


def letter_facts(summary: ProgressSummary, actor, recipient_name: str) -> dict[str, str]:
    """The placeholders' values (reports/domain/letters.py PLACEHOLDERS) from the progress summary."""
    patient, sessions = summary.patient, summary.sessions
    if sessions:
        given = "; ".join(f"{s.on:%Y-%m-%d} {s.route} {s.dose_mg}" for s in sessions)
        sessions_text = f"{len(sessions)} from {sessions[0].on:%Y-%m-%d} to {sessions[-1].on:%Y-%m-%d} ({given})."
    else:
        sessions_text = "none yet."
    events = summary.adverse_events
    return {
        "recipient_name": recipient_name,
        "patient_name": patient.full_name,
        "date_of_birth": f"{patient.date_of_birth:%Y-%m-%d}",
        "clinic_name": patient.organisation.name,
        "prescriber_name": actor.display_name,
        "today": f"{summary.prepared_on:%Y-%m-%d}",
        "sessions": sessions_text,
        "scores": "; ".join(score_lines(summary)) or "none recorded.",
        "adverse_events": "; ".join(
            f"{timezone.localtime(e.onset_at, e.session.location.zone):%Y-%m-%d} {e.get_kind_display()} "
            f"({e.get_severity_display()})"
            for e in events
        )
        or "none recorded.",
        "integration_sessions": f"{summary.integration_sessions} signed session note(s).",
    }


def _fields(values: dict) -> dict:
    unknown = set(values) - set(LETTER_FIELDS)
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be set here."))
    limits = {"recipient_name": NAME_MAX_CHARS, "recipient_address": ADDRESS_MAX_CHARS, "body": BODY_MAX_CHARS}
    return {
        name: clean_text(name, value, required=name != "recipient_address", max_chars=limits[name])
        for name, value in values.items()
    }


@transaction.atomic
def do_create_referral_letter(
    actor, patient_id: int, *, recipient_name=None, recipient_address=None, body=None
) -> ReferralLetter:
    """A draft letter from the organisation's template; recipient and body may be given instead."""
    require_permission(actor, Permission.REFERRAL_LETTER_WRITE)
    summary = access_progress_summary_by_patient_id(actor, db_id_or_zero(patient_id))
    patient = summary.patient
    if recipient_name in (None, ""):
        recipient_name = patient.referring_clinician_name
    if recipient_address in (None, ""):
        recipient_address = patient.referring_clinician_practice
    values = _fields({"recipient_name": recipient_name, "recipient_address": recipient_address})
    if body in (None, ""):
        body = fill_letter(
            letter_settings_of(patient.organisation_id).body_template,
            letter_facts(summary, actor, values["recipient_name"]),
        )
    values |= _fields({"body": body})
    letter = ReferralLetter.objects.create(patient=patient, author=actor, **_letterhead(patient), **values)
    record_event(actor, AuditAction.CREATE, letter, patient=patient)
    return letter


def _own_draft(actor, letter: ReferralLetter) -> None:
    if letter.is_locked:
        raise ValidationError({"status": "The letter is signed and locked."})
    if letter.author_id != actor.pk:
        raise ValidationError({"status": "Only the prescriber who wrote the draft changes or signs it."})


@transaction.atomic
def do_update_referral_letter(actor, letter_id: int, **values) -> ReferralLetter:
    """Change the author's own draft (recipient, address, body)."""
    require_permission(actor, Permission.REFERRAL_LETTER_WRITE)
    letter = access_referral_letter_by_id(actor, letter_id, audit=False, for_update=True)
    _own_draft(actor, letter)
    changes = _fields(values)
    changed = sorted(name for name, value in changes.items() if getattr(letter, name) != value)
    for name, value in changes.items():
        setattr(letter, name, value)
    letter.save()
    record_event(actor, AuditAction.UPDATE, letter, patient=letter.patient, detail={"fields": changed})
    return letter


@transaction.atomic
def do_sign_referral_letter(actor, letter_id: int) -> ReferralLetter:
    """Sign the author's own draft; it is locked from then on."""
    require_permission(actor, Permission.REFERRAL_LETTER_WRITE)
    letter = access_referral_letter_by_id(actor, letter_id, audit=False, for_update=True)
    _own_draft(actor, letter)
    letter.status = LetterStatus.SIGNED
    letter.signed_by = actor
    letter.signed_at = timezone.now()
    letter.save()
    record_event(actor, AuditAction.STATUS_CHANGE, letter, patient=letter.patient, detail={"status": "signed"})
    return letter


@transaction.atomic
def do_update_letter_settings(actor, **values) -> ReferralLetterSettings:
    """The organisation's letter template (clinic admins); unknown placeholders are refused by name."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    if "body_template" in values:
        values["body_template"] = clean_text(
            "body_template", values["body_template"], required=True, max_chars=BODY_MAX_CHARS
        )
    return update_organisation_settings(actor, ReferralLetterSettings, ("body_template",), values)
