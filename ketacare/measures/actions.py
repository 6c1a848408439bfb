"""Every write of measurement-based care: assignments, answers, submission, amendment, alerts, outbox.

Totals, bands and flags always come from the domain scorer (measures/domain/scoring.py), never
from the client. Safety alerts are created in the same transaction as the response that raises
them, and their mail goes through the OutgoingEmail outbox so that a mail server being down
loses nothing: `ketacare measures_dispatch` retries it and escalates alerts left open.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import staff_of_organisation
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Organisation
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.measures.domain.instruments import Instrument, MeasureError, Rater, ScoringParameters
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.domain.scoring import score
from ketacare.measures.hooks import outcome_inputs_changed
from ketacare.measures.models import (
    Alert,
    AlertStatus,
    AssignmentReason,
    AssignmentStatus,
    MeasurementSettings,
    OutgoingEmail,
    QuestionnaireAssignment,
    QuestionnaireResponse,
    ResponseChannel,
    ResponseStatus,
    hash_link_token,
)
from ketacare.measures.selectors import link_is_open
from ketacare.patients.models import Patient

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class AssignmentOutcome:
    assignment: QuestionnaireAssignment
    link_token: str  # shown once (emailed); only its hash is stored


def _instrument(code: str, *, field: str = "instrument") -> Instrument:
    instrument = INSTRUMENTS.get(code or "")
    if instrument is None:
        raise ValidationError({field: f"Unknown instrument {code!r}; valid codes: {', '.join(INSTRUMENTS)}."})
    return instrument


def _scoring_parameters(organisation: Organisation) -> ScoringParameters:
    return ScoringParameters(pcl5_cutoff_total=MeasurementSettings.for_organisation(organisation).pcl5_cutoff_total)


def _same_organisation(actor, patient: Patient) -> None:
    # The views fetch the patient through the selector; this keeps a direct caller honest too.
    if actor.organisation_id is None or actor.organisation_id != patient.organisation_id:
        raise Http404("No such patient")


def clean_answers(instrument: Instrument, answers: Mapping[Any, Any]) -> dict[str, int | None]:
    """{item number: value} with each value checked against its item; keys become strings (JSON).

    Partial sets are fine here (answers are saved as they are chosen); completeness and skip
    rules are checked by the scorer on submit.
    """
    cleaned: dict[str, int | None] = {}
    for key, value in answers.items():
        try:
            number = int(key)
        except (TypeError, ValueError):
            raise ValidationError({"answers": f"{key!r} is not an item number."}) from None
        if not 1 <= number <= len(instrument.items):
            raise ValidationError({"answers": f"{instrument.name} has no item {number}."})
        item = instrument.item(number)
        if value in (None, ""):
            cleaned[str(number)] = None
            continue
        try:
            value = int(value)
        except (TypeError, ValueError):
            raise ValidationError({"answers": f"{item.display}: {value!r} is not a whole number."}) from None
        if not item.min_answer <= value <= item.max_answer:
            raise ValidationError(
                {"answers": f"{item.display}: {value} is out of range {item.min_answer}–{item.max_answer}."}
            )
        cleaned[str(number)] = value
    return cleaned


def _score_into(response: QuestionnaireResponse, organisation: Organisation) -> None:
    """Set total, severity, subscales and flags from the domain scorer, or refuse naming the item."""
    instrument = INSTRUMENTS[response.instrument]
    values = [response.answers.get(str(item.number)) for item in instrument.items]
    try:
        result = score(instrument, values, _scoring_parameters(organisation))
    except MeasureError as exc:
        raise ValidationError({"answers": str(exc)}) from None
    response.total = result.total
    response.severity = result.severity or ""
    response.subscales = result.subscales
    response.flags = result.flags


# ---------------------------------------------------------------- settings

SETTINGS_FIELDS = ("link_valid_hours", "alert_escalation_minutes", "madrs_remission_max", "pcl5_cutoff_total")


@transaction.atomic
def do_update_measurement_settings(actor, **values) -> MeasurementSettings:
    """A clinic admin changes their organisation's questionnaire and alert settings."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    return update_organisation_settings(actor, MeasurementSettings, SETTINGS_FIELDS, values)


# ---------------------------------------------------------------- assignments


@transaction.atomic
def do_assign_questionnaire(
    actor,
    patient: Patient,
    instrument: str,
    due_at: dt.datetime,
    reason: str = AssignmentReason.MANUAL,
    *,
    link_base_url: str = "",
) -> AssignmentOutcome:
    """Ask the patient to fill in a self-report questionnaire; email them a one-time link.

    `link_base_url` ("https://clinic.example/") makes the emailed link absolute; without it
    (or without a patient email address) no email is sent and the patient answers in the portal.
    """
    require_permission(actor, Permission.MEASURES_ASSIGN)
    _same_organisation(actor, patient)
    definition = _instrument(instrument)
    if definition.rater != Rater.PATIENT:
        raise ValidationError({"instrument": f"{definition.name} is rated by a clinician, not sent to patients."})
    if reason not in AssignmentReason.values:
        raise ValidationError({"reason": f"Choose one of: {', '.join(AssignmentReason.values)}."})
    if not isinstance(due_at, dt.datetime) or timezone.is_naive(due_at):
        raise ValidationError({"due_at": "Give a date and time with a time zone."})
    token = secrets.token_urlsafe(32)
    valid_hours = MeasurementSettings.for_organisation(patient.organisation).link_valid_hours
    assignment = QuestionnaireAssignment(
        patient=patient,
        instrument=definition.code,
        due_at=due_at,
        reason=reason,
        assigned_by=actor,
        link_token_sha256=hash_link_token(token),
        link_expires_at=timezone.now() + dt.timedelta(hours=valid_hours),
    )
    assignment.full_clean(exclude=["patient", "assigned_by"])
    assignment.save(force_insert=True)
    record_event(
        actor, AuditAction.CREATE, assignment, patient=patient, detail={"instrument": definition.code, "reason": reason}
    )
    if patient.email and link_base_url:
        link = link_base_url.rstrip("/") + reverse("measures:link", args=[token])
        transaction.on_commit(
            partial(
                _send_link_email,
                assignment.pk,
                patient.email,
                patient.preferred_name or patient.first_name,
                patient.organisation,
                link,
                assignment.link_expires_at,
            )
        )
    return AssignmentOutcome(assignment=assignment, link_token=token)


def _send_link_email(
    assignment_id: int, to: str, first_name: str, organisation: Organisation, link: str, expires_at: dt.datetime
) -> None:
    """The questionnaire link. No clinical detail (not even the instrument): email is not private."""
    subject = f"A short questionnaire from {organisation.name}"
    body = render_to_string(
        "measures/email/link.txt",
        {
            "first_name": first_name,
            "org": organisation,
            "link": link,
            "expires_at": expires_at,
        },
    )
    try:
        send_mail(subject, body, None, [to])
    except Exception:
        # After commit: the assignment stands (the portal lists it) even if the mail server is down.
        logger.exception("Questionnaire link email for assignment %s could not be sent", assignment_id)


@transaction.atomic
def do_cancel_assignment(actor, assignment: QuestionnaireAssignment) -> QuestionnaireAssignment:
    require_permission(actor, Permission.MEASURES_ASSIGN)
    _same_organisation(actor, assignment.patient)
    assignment = QuestionnaireAssignment.objects.select_for_update().get(pk=assignment.pk)
    if assignment.status != AssignmentStatus.PENDING:
        raise ValidationError({"status": f"This questionnaire is {assignment.get_status_display().lower()}."})
    assignment.status = AssignmentStatus.CANCELLED
    assignment.save(update_fields=["status"])
    record_event(
        actor, AuditAction.STATUS_CHANGE, assignment, patient=assignment.patient, detail={"status": assignment.status}
    )
    return assignment


# ---------------------------------------------------------------- answering


def _locked_pending(assignment: QuestionnaireAssignment, channel: str) -> QuestionnaireAssignment:
    """The assignment locked for the change, refused unless it can still be answered on this channel."""
    locked = (
        QuestionnaireAssignment.objects.select_for_update()
        .select_related("patient__organisation")
        .get(pk=assignment.pk)
    )
    if locked.status == AssignmentStatus.COMPLETED:
        raise ValidationError({"assignment": "This questionnaire has already been submitted."})
    if locked.status != AssignmentStatus.PENDING:
        raise ValidationError({"assignment": f"This questionnaire is {locked.get_status_display().lower()}."})
    if channel == ResponseChannel.LINK and not link_is_open(locked):
        raise ValidationError({"assignment": "This link has expired. Please contact the clinic."})
    return locked


def _response_for(assignment: QuestionnaireAssignment, actor, channel: str) -> QuestionnaireResponse:
    response = QuestionnaireResponse.objects.filter(assignment=assignment).first()
    if response is None:
        response = QuestionnaireResponse.objects.create(
            assignment=assignment,
            patient=assignment.patient,
            instrument=assignment.instrument,
            instrument_version=INSTRUMENTS[assignment.instrument].version,
            channel=channel,
            entered_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
    return response


def _check_channel(channel: str) -> None:
    if channel not in {ResponseChannel.LINK, ResponseChannel.PORTAL, ResponseChannel.TABLET}:
        raise ValidationError({"channel": "Unknown channel."})


@transaction.atomic
def do_save_answer(
    actor, assignment: QuestionnaireAssignment, answers: Mapping[Any, Any], *, channel: str
) -> QuestionnaireResponse:
    """Save one or more answers as the patient chooses them (the response stays in progress).

    `assignment` comes from a selector that checked who may answer it (link token, the patient's
    own portal, or staff of the organisation on the tablet); the actor may be anonymous (link).
    """
    _check_channel(channel)
    assignment = _locked_pending(assignment, channel)
    cleaned = clean_answers(INSTRUMENTS[assignment.instrument], answers)
    response = _response_for(assignment, actor, channel)
    response.answers = {**response.answers, **cleaned}
    response.save(update_fields=["answers"])
    record_event(
        actor,
        AuditAction.UPDATE,
        response,
        patient=assignment.patient,
        detail={"items": sorted(cleaned, key=int), "channel": channel},
    )
    return response


@transaction.atomic
def do_submit_response(
    actor, assignment: QuestionnaireAssignment, *, channel: str, answers: Mapping[Any, Any] | None = None
) -> QuestionnaireResponse:
    """Score and submit the assignment's response (once); raise safety alerts in the same transaction.

    `answers` given here (a form posted without JavaScript) are saved first.
    """
    _check_channel(channel)
    assignment = _locked_pending(assignment, channel)
    response = _response_for(assignment, actor, channel)
    if answers:
        response.answers = {**response.answers, **clean_answers(INSTRUMENTS[assignment.instrument], answers)}
    _score_into(response, assignment.patient.organisation)
    response.status = ResponseStatus.SUBMITTED
    response.submitted_at = timezone.now()
    response.save(update_fields=["answers", "total", "severity", "subscales", "flags", "status", "submitted_at"])
    assignment.status = AssignmentStatus.COMPLETED
    assignment.save(update_fields=["status"])
    record_event(
        actor,
        AuditAction.CREATE,
        response,
        patient=assignment.patient,
        detail={
            "instrument": response.instrument,
            "assignment": assignment.pk,
            "channel": channel,
            "flags": response.flags,
        },
    )
    _raise_safety_alerts(response, response.safety_flags)
    _refresh_outcomes(response)
    return response


@transaction.atomic
def do_enter_response(actor, patient: Patient, instrument: str, answers: Mapping[Any, Any]) -> QuestionnaireResponse:
    """Staff enter a complete rating (clinician scales such as MADRS or C-SSRS, or a paper form)."""
    require_permission(actor, Permission.MEASURES_RECORD)
    _same_organisation(actor, patient)
    definition = _instrument(instrument)
    response = QuestionnaireResponse(
        patient=patient,
        instrument=definition.code,
        instrument_version=definition.version,
        answers=clean_answers(definition, answers),
        channel=ResponseChannel.STAFF,
        entered_by=actor,
        status=ResponseStatus.SUBMITTED,
        submitted_at=timezone.now(),
    )
    _score_into(response, patient.organisation)
    response.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        response,
        patient=patient,
        detail={"instrument": definition.code, "channel": ResponseChannel.STAFF, "flags": response.flags},
    )
    _raise_safety_alerts(response, response.safety_flags)
    _refresh_outcomes(response)
    return response


@transaction.atomic
def do_amend_response(
    actor, response: QuestionnaireResponse, answers: Mapping[Any, Any], reason: str
) -> QuestionnaireResponse:
    """Correct a submitted response: a new, scored response linked to it; the original stays as it was."""
    require_permission(actor, Permission.MEASURES_RECORD)
    _same_organisation(actor, response.patient)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"amendment_reason": "Say why the response is being amended."})
    if response.status != ResponseStatus.SUBMITTED:
        raise ValidationError({"response": "Only a submitted response can be amended."})
    definition = INSTRUMENTS[response.instrument]
    amendment = QuestionnaireResponse(
        patient=response.patient,
        instrument=response.instrument,
        instrument_version=definition.version,
        answers={**response.answers, **clean_answers(definition, answers)},
        channel=ResponseChannel.STAFF,
        entered_by=actor,
        status=ResponseStatus.SUBMITTED,
        submitted_at=timezone.now(),
        amends=response,
        amendment_reason=reason,
    )
    _score_into(amendment, response.patient.organisation)
    amendment.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        amendment,
        patient=response.patient,
        detail={"amends": response.pk, "flags": amendment.flags},
    )
    # The original already raised its own alerts; only a newly appearing risk raises another.
    _raise_safety_alerts(amendment, [flag for flag in amendment.safety_flags if flag not in response.flags])
    _refresh_outcomes(amendment)
    return amendment


def _refresh_outcomes(response: QuestionnaireResponse) -> None:
    """Keep the clinic dashboard's per-patient rows current (instruments with outcome rules only):
    reports recomputes them on the signal, inside this transaction."""
    if INSTRUMENTS[response.instrument].response is not None:
        outcome_inputs_changed.send(sender=QuestionnaireResponse, patients=[response.patient])


# ---------------------------------------------------------------- safety alerts and outbox


ALERT_SUBJECT = "Urgent: patient safety alert — {org}"
ESCALATION_SUBJECT = "Escalated: unacknowledged safety alert — {org}"


def _staff_emails(organisation: Organisation, role: Role) -> list[str]:
    return list(
        staff_of_organisation(organisation.pk, roles=[role])
        .exclude(email="")
        .order_by("id")
        .values_list("email", flat=True)
    )


def _queue_mail(organisation: Organisation, alert: Alert, recipients: list[str], subject: str, body: str) -> list[int]:
    if not recipients:
        logger.error("No recipient for safety alert %s mail in organisation %s", alert.pk, organisation.pk)
    emails = OutgoingEmail.objects.bulk_create(
        OutgoingEmail(organisation=organisation, alert=alert, to=to, subject=subject, body=body) for to in recipients
    )
    return [email.pk for email in emails]


def _raise_safety_alerts(response: QuestionnaireResponse, flags: list[str]) -> list[Alert]:
    """One urgent alert per safety flag, mail to the organisation's prescribers via the outbox."""
    patient = response.patient
    organisation = patient.organisation
    alerts = []
    for flag in flags:
        alert = Alert.objects.create(patient=patient, response=response, kind=flag, raised_at=timezone.now())
        record_event(None, AuditAction.CREATE, alert, patient=patient, detail={"kind": flag})
        body = render_to_string(
            "measures/email/alert.txt", {"alert": alert, "patient": patient, "org": organisation, "response": response}
        )
        ids = _queue_mail(
            organisation,
            alert,
            _staff_emails(organisation, Role.PRESCRIBER),
            ALERT_SUBJECT.format(org=organisation.name),
            body,
        )
        # Try at once; what fails stays in the outbox for `ketacare measures_dispatch`.
        transaction.on_commit(partial(send_outgoing_emails, ids))
        alerts.append(alert)
    return alerts


@transaction.atomic
def do_acknowledge_alert(actor, alert: Alert, note: str) -> Alert:
    """A nurse or prescriber records what was done about the alert; the note is required."""
    require_permission(actor, Permission.MEASURES_ALERTS_ACKNOWLEDGE)
    _same_organisation(actor, alert.patient)
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "Write what was done (e.g. called the patient, safety plan reviewed)."})
    alert = Alert.objects.select_for_update().select_related("patient").get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise ValidationError({"status": "This alert has already been acknowledged."})
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_by = actor
    alert.acknowledged_at = timezone.now()
    alert.acknowledgement_note = note
    alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "acknowledgement_note"])
    record_event(actor, AuditAction.STATUS_CHANGE, alert, patient=alert.patient, detail={"status": alert.status})
    return alert


def send_outgoing_emails(email_ids: list[int] | None = None) -> tuple[int, int]:
    """Send unsent outbox mail (all of it, or the given ids): (sent, failed).

    Each row is locked while it is sent (skipped if another dispatcher holds it), so two
    dispatchers never send the same mail twice; a failure counts the attempt and keeps the error.
    """
    unsent = OutgoingEmail.objects.filter(sent_at__isnull=True)
    if email_ids is not None:
        unsent = unsent.filter(pk__in=email_ids)
    sent = failed = 0
    for email_id in list(unsent.order_by("id").values_list("pk", flat=True)):
        with transaction.atomic():
            email = (
                OutgoingEmail.objects.select_for_update(skip_locked=True)
                .filter(pk=email_id, sent_at__isnull=True)
                .first()
            )
            if email is None:
                continue
            email.attempts += 1
            try:
                send_mail(email.subject, email.body, None, [email.to])
            except Exception as exc:  # any transport failure: keep the mail for the next pass
                email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
                failed += 1
                logger.warning("Outgoing email %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
            else:
                email.sent_at = timezone.now()
                email.last_error = ""
                sent += 1
            email.save(update_fields=["attempts", "last_error", "sent_at"])
    return sent, failed


def claim_alert_escalation(alert_id: int, now: dt.datetime) -> bool:
    """Mark the alert escalated unless it already is (or was acknowledged); True for the one caller that did."""
    return bool(
        Alert.objects.filter(pk=alert_id, status=AlertStatus.OPEN, escalated_at__isnull=True).update(escalated_at=now)
    )


def escalate_overdue_alerts(now: dt.datetime | None = None) -> int:
    """Escalate alerts open longer than their organisation's threshold to its clinic admins, once each.

    The conditional UPDATE in claim_alert_escalation is the claim: when two dispatchers race on
    the same alert, exactly one of them updates the row and queues the mail.
    """
    now = now or timezone.now()
    thresholds: dict[int, dt.timedelta] = {}
    escalated = 0
    candidates = Alert.objects.filter(status=AlertStatus.OPEN, escalated_at__isnull=True).select_related(
        "patient__organisation", "response"
    )
    for alert in candidates:
        organisation = alert.patient.organisation
        if organisation.pk not in thresholds:
            minutes = MeasurementSettings.for_organisation(organisation).alert_escalation_minutes
            thresholds[organisation.pk] = dt.timedelta(minutes=minutes)
        if alert.raised_at > now - thresholds[organisation.pk]:
            continue
        with transaction.atomic():
            if not claim_alert_escalation(alert.pk, now):
                continue
            alert.escalated_at = now
            record_event(None, AuditAction.STATUS_CHANGE, alert, patient=alert.patient, detail={"escalated": True})
            body = render_to_string(
                "measures/email/escalation.txt",
                {
                    "alert": alert,
                    "patient": alert.patient,
                    "org": organisation,
                    "minutes": int(thresholds[organisation.pk].total_seconds() // 60),
                },
            )
            _queue_mail(
                organisation,
                alert,
                _staff_emails(organisation, Role.CLINIC_ADMIN),
                ESCALATION_SUBJECT.format(org=organisation.name),
                body,
            )
            escalated += 1
    return escalated
