"""Every write of measurement-based care: assignments, answers, submission, amendment, alerts, outbox.

Totals, bands and flags always come from the domain scorer (measures/domain/scoring.py), never
from the client. Safety alerts are created in the same transaction as the response that raises
them, and their mail is queued in the same transaction in the outbox (ketacare/outbox), never sent
inside a request: `ketacare outbox dispatch` sends it, and `ketacare measures_dispatch` also
escalates alerts left open.
"""

import datetime as dt
import logging
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import staff_of_organisation
from ketacare.audit.actions import audit_event, record_event, record_events
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
    QuestionnaireAssignment,
    QuestionnaireResponse,
    ResponseChannel,
    ResponseStatus,
    hash_link_token,
)
from ketacare.measures.selectors import link_is_open
from ketacare.outbox.actions import enqueue_email, enqueue_emails
from ketacare.outbox.models import MailKind
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
    plan_key: str = "",
    session_key: str = "",
) -> AssignmentOutcome:
    """Ask the patient to fill in a self-report questionnaire; email them a one-time link.

    `link_base_url` ("https://clinic.example/") makes the emailed link absolute; without it
    (or without a patient email address) no email is sent and the patient answers in the portal.
    `plan_key` and `session_key` tie it to a plan and a booked session (the model says how).
    """
    require_permission(actor, Permission.MEASURES_ASSIGN)
    _same_organisation(actor, patient)
    valid_hours = MeasurementSettings.for_organisation(patient.organisation).link_valid_hours
    wanted = WantedQuestionnaire(instrument, due_at, reason, plan_key=plan_key, session_key=session_key)
    assignment, token = _new_assignment(actor, patient, wanted, valid_hours)
    assignment.full_clean(exclude=["patient", "assigned_by"])
    assignment.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        assignment,
        patient=patient,
        detail={"instrument": assignment.instrument, "reason": assignment.reason},
    )
    if patient.email and link_base_url:
        link = link_base_url.rstrip("/") + reverse("measures:link", args=[token])
        _queue_link_email(assignment, patient, link)
    return AssignmentOutcome(assignment=assignment, link_token=token)


@dataclass(frozen=True)
class WantedQuestionnaire:
    """One questionnaire to assign (do_assign_questionnaires)."""

    instrument: str
    due_at: dt.datetime
    reason: str = AssignmentReason.MANUAL
    plan_key: str = ""
    session_key: str = ""


def _new_assignment(
    actor, patient: Patient, wanted: WantedQuestionnaire, valid_hours: int
) -> tuple[QuestionnaireAssignment, str]:
    """The assignment, checked and not saved, and its link token (only the token's hash is stored)."""
    definition = _instrument(wanted.instrument)
    if definition.rater != Rater.PATIENT:
        raise ValidationError({"instrument": f"{definition.name} is rated by a clinician, not sent to patients."})
    if wanted.reason not in AssignmentReason.values:
        raise ValidationError({"reason": f"Choose one of: {', '.join(AssignmentReason.values)}."})
    if not isinstance(wanted.due_at, dt.datetime) or timezone.is_naive(wanted.due_at):
        raise ValidationError({"due_at": "Give a date and time with a time zone."})
    token = secrets.token_urlsafe(32)
    assignment = QuestionnaireAssignment(
        patient=patient,
        instrument=definition.code,
        due_at=wanted.due_at,
        reason=wanted.reason,
        assigned_by=actor,
        link_token_sha256=hash_link_token(token),
        link_expires_at=timezone.now() + dt.timedelta(hours=valid_hours),
        plan_key=wanted.plan_key,
        session_key=wanted.session_key,
    )
    return assignment, token


@transaction.atomic
def do_assign_questionnaires(
    actor, patient: Patient, wanted: Sequence[WantedQuestionnaire]
) -> list[QuestionnaireAssignment]:
    """Several questionnaires for one patient at once (the sessions of a booked course): the checks of
    do_assign_questionnaire, then one INSERT and one audit append for all of them, however many.
    No link is emailed: the patient answers in the portal (or staff send a link later)."""
    require_permission(actor, Permission.MEASURES_ASSIGN)
    _same_organisation(actor, patient)
    if not wanted:
        return []
    valid_hours = MeasurementSettings.for_organisation(patient.organisation).link_valid_hours
    assignments = [_new_assignment(actor, patient, item, valid_hours)[0] for item in wanted]
    for assignment in assignments:
        # The token's hash is unique by the database's constraint: no query per row to ask first.
        assignment.full_clean(exclude=["patient", "assigned_by"], validate_unique=False)
    QuestionnaireAssignment.objects.bulk_create(assignments)
    record_events(
        [
            audit_event(
                actor,
                AuditAction.CREATE,
                assignment,
                patient=patient,
                detail={"instrument": assignment.instrument, "reason": assignment.reason},
            )
            for assignment in assignments
        ]
    )
    return assignments


def _queue_link_email(assignment: QuestionnaireAssignment, patient: Patient, link: str) -> None:
    """The questionnaire link, queued with the assignment (sent by the outbox dispatcher, retried
    until the link expires). No clinical detail (not even the instrument): email is not private."""
    organisation = patient.organisation
    # The patient's clock, whoever assigned it (a request's active zone is the staff member's).
    with timezone.override(patient.zone_name):
        body = render_to_string(
            "measures/email/link.txt",
            {
                "first_name": patient.preferred_name or patient.first_name,
                "org": organisation,
                "link": link,
                "expires_at": assignment.link_expires_at,
            },
        )
    enqueue_email(
        organisation,
        patient.email,
        f"A short questionnaire from {organisation.name}",
        body,
        kind=MailKind.QUESTIONNAIRE_LINK,
        reference=f"{LINK_REFERENCE_PREFIX}{assignment.pk}",
        send_before=assignment.link_expires_at,
    )


LINK_REFERENCE_PREFIX = "measures.questionnaireassignment:"


def link_still_wanted(reference: str) -> str:
    """Asked by the outbox before each attempt: a cancelled or answered questionnaire gets no link."""
    number = reference.removeprefix(LINK_REFERENCE_PREFIX)
    pending = QuestionnaireAssignment.objects.filter(
        pk=int(number) if number.isdigit() else 0, status=AssignmentStatus.PENDING
    ).exists()
    return "" if pending else "Questionnaire no longer pending"


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


def _pending_for(actor, *, patient: Patient, plan_key: str = "", session_key: str = ""):
    require_permission(actor, Permission.MEASURES_ASSIGN)
    _same_organisation(actor, patient)
    if not (plan_key or session_key):
        raise ValueError("Give the plan or the session the questionnaires belong to.")
    pending = QuestionnaireAssignment.objects.select_for_update().filter(
        patient=patient, status=AssignmentStatus.PENDING
    )
    if plan_key:
        pending = pending.filter(plan_key=plan_key)
    if session_key:
        pending = pending.filter(session_key=session_key)
    return list(pending.order_by("due_at", "id"))


@transaction.atomic
def do_move_session_questionnaires(
    actor, patient: Patient, *, session_key: str, due_at: dt.datetime
) -> list[QuestionnaireAssignment]:
    """The booked session moved: its pending questionnaires fall due before it on its new day."""
    moved = _pending_for(actor, patient=patient, session_key=session_key)
    for assignment in moved:
        before = assignment.due_at
        assignment.due_at = due_at
        assignment.save(update_fields=["due_at"])
        record_event(
            actor,
            AuditAction.UPDATE,
            assignment,
            patient=patient,
            detail={"due_at": {"from": before.isoformat(), "to": due_at.isoformat()}, "session": session_key},
        )
    return moved


@transaction.atomic
def do_close_questionnaires(
    actor, patient: Patient, *, reason: str, plan_key: str = "", session_key: str = ""
) -> list[QuestionnaireAssignment]:
    """Cancel the pending questionnaires of a plan that stopped or completed, or of a cancelled session."""
    closed = _pending_for(actor, patient=patient, plan_key=plan_key, session_key=session_key)
    for assignment in closed:
        assignment.status = AssignmentStatus.CANCELLED
        assignment.save(update_fields=["status"])
        record_event(
            actor,
            AuditAction.STATUS_CHANGE,
            assignment,
            patient=patient,
            detail={"status": assignment.status, "reason": reason, "plan": plan_key, "session": session_key},
        )
    return closed


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
def do_import_response(
    actor, patient: Patient, instrument: str, answers: Mapping[Any, Any], *, submitted_at: dt.datetime, source: str
) -> QuestionnaireResponse:
    """A complete response from another system (FHIR import), scored here as any other, dated when it was
    answered there. It raises no safety alert: the answer is history, perhaps months old, and paging the
    clinic now would be noise (the flags are kept on the response and shown with it)."""
    require_permission(actor, Permission.RECORDS_IMPORT)
    _same_organisation(actor, patient)
    definition = _instrument(instrument)
    if submitted_at > timezone.now():
        raise ValidationError({"submitted_at": "The date cannot be in the future."})
    response = QuestionnaireResponse(
        patient=patient,
        instrument=definition.code,
        instrument_version=definition.version,
        answers=clean_answers(definition, answers),
        channel=ResponseChannel.STAFF,
        entered_by=actor,
        status=ResponseStatus.SUBMITTED,
        submitted_at=submitted_at,
    )
    _score_into(response, patient.organisation)
    response.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        response,
        patient=patient,
        detail={"instrument": definition.code, "imported_from": source, "flags": response.flags},
    )
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


def _alerts_url(alert: Alert) -> str:
    """Where the mail points: the safety alerts page (absolute when KETACARE_PUBLIC_URL is set)."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse('measures:alerts')}#alert-{alert.pk}"


def _queue_alert_mail(alert: Alert, role: Role, kind: str, subject: str, template: str, **context) -> None:
    """Content-free mail ("an urgent alert is waiting" and a link): no name, no clinical detail,
    because email is not private. Queued in the caller's transaction, sent by the outbox dispatcher."""
    organisation = alert.patient.organisation
    recipients = _staff_emails(organisation, role)
    if not recipients:
        logger.error("No recipient for safety alert %s mail in organisation %s", alert.pk, organisation.pk)
    body = render_to_string(template, {"org": organisation, "alerts_url": _alerts_url(alert), **context})
    enqueue_emails(
        organisation,
        recipients,
        subject.format(org=organisation.name),
        body,
        kind=kind,
        reference=f"measures.alert:{alert.pk}",
    )


def _raise_safety_alerts(response: QuestionnaireResponse, flags: list[str]) -> list[Alert]:
    """One urgent alert per safety flag, mail to the organisation's prescribers via the outbox."""
    patient = response.patient
    alerts = []
    for flag in flags:
        alert = Alert.objects.create(patient=patient, response=response, kind=flag, raised_at=timezone.now())
        record_event(None, AuditAction.CREATE, alert, patient=patient, detail={"kind": flag})
        _queue_alert_mail(alert, Role.PRESCRIBER, MailKind.SAFETY_ALERT, ALERT_SUBJECT, "measures/email/alert.txt")
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
            _queue_alert_mail(
                alert,
                Role.CLINIC_ADMIN,
                MailKind.ALERT_ESCALATION,
                ESCALATION_SUBJECT,
                "measures/email/escalation.txt",
                minutes=int(thresholds[organisation.pk].total_seconds() // 60),
            )
            escalated += 1
    return escalated
