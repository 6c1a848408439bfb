"""Every write to consultation requests: submission, triage, conversion to a patient."""

import datetime as dt
import logging
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Organisation
from ketacare.inquiries.domain.validation import (
    LONG_TEXT_MAX_CHARS,
    CheckedSubmission,
    ClinicRules,
    InquirySubmission,
    InvalidSubmission,
    check_submission,
)
from ketacare.inquiries.models import HelpReason, Inquiry, InquiryStatus, PreferredWindow
from ketacare.inquiries.selectors import first_location
from ketacare.inquiries.self_registration import self_registration_url
from ketacare.lib.ids import is_db_id
from ketacare.outbox.actions import enqueue_email
from ketacare.outbox.models import MailKind
from ketacare.patients.actions import do_register_patient
from ketacare.patients.models import Patient

logger = logging.getLogger(__name__)

# A second request from the same person within this time updates the first.
REPEAT_WINDOW = dt.timedelta(hours=24)
# Where windows are read when an organisation has no active location yet.
FALLBACK_TIME_ZONE = "UTC"


@dataclass(frozen=True)
class SubmissionOutcome:
    # None when the honeypot caught a bot: nothing was stored.
    inquiry: Inquiry | None
    is_repeat: bool = False


class InquiryAlreadyConverted(ValidationError):
    """Raised when a request already has a patient; the API answers 409 for it."""


def _clinic_rules(organisation: Organisation) -> ClinicRules:
    locations = list(organisation.locations.filter(is_active=True))
    default = first_location(locations)
    return ClinicRules(
        minimum_age_years=organisation.minimum_age_years,
        location_zones={location.pk: location.time_zone for location in locations},
        default_zone=default.time_zone if default else FALLBACK_TIME_ZONE,
        allowed_reasons=HelpReason.values,
    )


def _recent_repeat(organisation: Organisation, checked: CheckedSubmission, now: dt.datetime) -> Inquiry | None:
    same_contact = Q()
    if checked.email:
        same_contact |= Q(email__iexact=checked.email)
    if checked.phone:
        same_contact |= Q(phone=checked.phone)
    return (
        Inquiry.objects.filter(
            organisation=organisation,
            date_of_birth=checked.date_of_birth,
            first_name__iexact=checked.first_name,
            last_name__iexact=checked.last_name,
            submitted_at__gte=now - REPEAT_WINDOW,
        )
        .filter(same_contact)
        .order_by("submitted_at", "pk")
        .first()
    )


@transaction.atomic
def do_submit_inquiry(actor, *, organisation: Organisation, submission: InquirySubmission) -> SubmissionOutcome:
    """Store a consultation request from the public page or the API.

    Public: anyone may submit, so there is no permission check. The rules live
    in domain/validation.py; a broken one raises ValidationError naming the
    field and stores nothing. A repeat from the same person within a day
    updates their first request instead of adding another.
    """
    if submission.is_bot:
        logger.info("Consultation request to %s dropped: the honeypot field was filled", organisation.slug)
        return SubmissionOutcome(inquiry=None)
    now = timezone.now()
    try:
        checked = check_submission(submission, _clinic_rules(organisation), now=now)
    except InvalidSubmission as invalid:
        raise ValidationError(invalid.errors) from None
    values = {
        "first_name": checked.first_name,
        "last_name": checked.last_name,
        "date_of_birth": checked.date_of_birth,
        "phone": checked.phone,
        "email": checked.email,
        "preferred_location_id": checked.preferred_location_id,
        "time_zone": checked.time_zone,
        "reasons": list(checked.reasons),
        "reason_other": checked.reason_other,
        "current_treatment": checked.current_treatment,
        "heard_about": checked.heard_about,
        "consent_to_contact": True,
    }
    # Serialise submissions per organisation so a double-clicked submit cannot
    # create two requests that each missed the other. NO KEY: rows that merely
    # reference the organisation (patients, audit entries) are not blocked.
    Organisation.objects.select_for_update(no_key=True).filter(pk=organisation.pk).first()
    inquiry = _recent_repeat(organisation, checked, now)
    is_repeat = inquiry is not None
    if inquiry is None:
        inquiry = Inquiry(organisation=organisation, **values)
        inquiry.full_clean()
        inquiry.save(force_insert=True)
        record_event(
            actor, AuditAction.CREATE, inquiry, organisation=organisation, detail={"windows": len(checked.windows)}
        )
    else:
        for name, value in values.items():
            setattr(inquiry, name, value)
        inquiry.submission_count += 1
        inquiry.full_clean()
        inquiry.save(update_fields=[*values.keys(), "submission_count", "updated_at"])
        inquiry.windows.all().delete()
        record_event(
            actor,
            AuditAction.UPDATE,
            inquiry,
            organisation=organisation,
            patient=inquiry.patient,
            detail={"repeat_submission": inquiry.submission_count, "windows": len(checked.windows)},
        )
    for window in checked.windows:
        PreferredWindow.objects.create(inquiry=inquiry, starts_at=window.starts_at, ends_at=window.ends_at)
    if inquiry.email:
        _queue_received_email(inquiry, organisation)
    return SubmissionOutcome(inquiry=inquiry, is_repeat=is_repeat)


def _queue_received_email(inquiry: Inquiry, organisation: Organisation) -> None:
    """Tell the requester their request arrived: queued with the request, sent by the outbox
    dispatcher (never inside the request), retried while the mail server is down.
    No clinical details: email is not private."""
    # A clinic that lets patients create their own portal account sends the link now; it works once
    # the request is converted into a patient record (inquiries/self_registration.py).
    portal_link = self_registration_url(inquiry) if organisation.portal_self_registration else ""
    body = render_to_string(
        "inquiries/email/received.txt",
        {"first_name": inquiry.first_name, "org": organisation, "portal_link": portal_link},
    )
    enqueue_email(
        organisation,
        inquiry.email,
        f"We received your consultation request — {organisation.name}",
        body,
        kind=MailKind.INQUIRY_CONFIRMATION,
        reference=f"inquiries.inquiry:{inquiry.pk}",
    )


def _locked_inquiry(actor, inquiry_id: int) -> Inquiry:
    """The actor's organisation's request, locked for the change; another organisation's is a 404."""
    if actor.organisation_id is None or not is_db_id(inquiry_id):
        raise Http404("No such consultation request")
    return get_object_or_404(
        Inquiry.objects.select_for_update(of=("self",)).select_related("organisation", "patient", "preferred_location"),
        pk=inquiry_id,
        organisation_id=actor.organisation_id,
    )


@transaction.atomic
def do_change_inquiry_status(actor, inquiry_id: int, *, status: str, note: str = "") -> Inquiry:
    """Move a request along the triage (new, contacted, scheduled, declined), with an optional note."""
    require_permission(actor, Permission.INQUIRY_TRIAGE)
    inquiry = _locked_inquiry(actor, inquiry_id)
    note = note.strip()
    if status not in InquiryStatus.values:
        raise ValidationError({"status": "Choose one of: " + ", ".join(InquiryStatus.values) + "."})
    if status == inquiry.status:
        raise ValidationError({"status": f"This request is already “{inquiry.get_status_display()}”."})
    if "\x00" in note or len(note) > LONG_TEXT_MAX_CHARS:
        raise ValidationError({"note": f"Use at most {LONG_TEXT_MAX_CHARS} ordinary characters."})
    previous = inquiry.status
    inquiry.status = status
    if note:
        # Notes accumulate, newest last, so the triage history reads top to bottom.
        stamp = timezone.now().astimezone(inquiry.zone)
        line = (
            f"{stamp:%Y-%m-%d %H:%M} {stamp.tzname()} · {actor.display_name} · "
            f"{InquiryStatus(previous).label} → {inquiry.get_status_display()}: {note}"
        )
        inquiry.status_note = f"{inquiry.status_note}\n{line}".strip()
    inquiry.save(update_fields=["status", "status_note", "updated_at"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        inquiry,
        organisation=inquiry.organisation,
        patient=inquiry.patient,
        detail={"from": previous, "to": status, "note": note},
    )
    return inquiry


# The triage moves by itself as the journey does (issue 14.7): registering the requester means the clinic
# reached them; booking them an appointment schedules the request. Only forward, never over "declined".
AUTOMATIC_INQUIRY_MOVES = {
    InquiryStatus.CONTACTED: frozenset({InquiryStatus.NEW}),
    InquiryStatus.SCHEDULED: frozenset({InquiryStatus.NEW, InquiryStatus.CONTACTED}),
}


def _advance(actor, inquiry: Inquiry, status: InquiryStatus, because: str) -> None:
    previous = inquiry.status
    inquiry.status = status
    inquiry.save(update_fields=["status", "updated_at"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        inquiry,
        organisation=inquiry.organisation,
        patient=inquiry.patient,
        detail={"from": previous, "to": status.value, "note": because, "automatic": True},
    )


def advance_inquiries_of_patient(actor, patient: Patient, status: InquiryStatus, *, because: str) -> None:
    """The patient's open requests follow the journey (scheduling calls this when it books them): inside
    the caller's transaction, which checked its own permission."""
    earlier = AUTOMATIC_INQUIRY_MOVES[status]
    for inquiry in Inquiry.objects.select_for_update().filter(patient=patient, status__in=earlier):
        _advance(actor, inquiry, status, because)


@transaction.atomic
def do_convert_inquiry(actor, inquiry_id: int, *, confirm_not_duplicate: bool = False) -> Patient:
    """Register the requester as a patient and link the request to the new record. Possible duplicates
    in the registry stop it (patients.actions.PossibleDuplicatePatients) until `confirm_not_duplicate`."""
    require_permission(actor, Permission.INQUIRY_CONVERT)
    inquiry = _locked_inquiry(actor, inquiry_id)
    if inquiry.patient is not None:
        raise InquiryAlreadyConverted(f"This request was already converted to patient {inquiry.patient.record_number}.")
    patient = do_register_patient(
        actor,
        organisation=inquiry.organisation,
        first_name=inquiry.first_name,
        last_name=inquiry.last_name,
        date_of_birth=inquiry.date_of_birth,
        email=inquiry.email,
        phone=inquiry.phone,
        home_location=inquiry.preferred_location,
        confirm_not_duplicate=confirm_not_duplicate,
    )
    inquiry.patient = patient
    inquiry.save(update_fields=["patient", "updated_at"])
    record_event(
        actor,
        AuditAction.UPDATE,
        inquiry,
        organisation=inquiry.organisation,
        patient=patient,
        detail={"converted_to": patient.record_number},
    )
    if inquiry.status in AUTOMATIC_INQUIRY_MOVES[InquiryStatus.CONTACTED]:
        _advance(actor, inquiry, InquiryStatus.CONTACTED, f"Registered as patient {patient.record_number}")
    return patient
