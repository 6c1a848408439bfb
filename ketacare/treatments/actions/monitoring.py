"""Monitoring during a session: vital signs against the protocol's schedule, dissociation and
sedation ratings (CADSS, MOAA/S), adverse events."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.lib.text import clean_text
from ketacare.measures.actions import do_enter_response
from ketacare.protocols.domain.dosing import DosingError, to_decimal
from ketacare.treatments import clock
from ketacare.treatments.actions.common import audit_step, locked_session, require_status
from ketacare.treatments.domain.hold import stop_reasons
from ketacare.treatments.domain.status import EVENTS_ALLOWED, RATINGS_ALLOWED, VITALS_ALLOWED
from ketacare.treatments.domain.vitals_schedule import check_for_reading
from ketacare.treatments.models import (
    AdverseEvent,
    AdverseEventKind,
    AdverseEventSeverity,
    SessionRating,
    SessionStatus,
    VitalPhase,
    VitalSign,
)
from ketacare.treatments.selectors.checkin import thresholds_of
from ketacare.treatments.selectors.monitoring import minutes_since_start
from ketacare.treatments.selectors.settings import settings_of

RATING_INSTRUMENTS = ("cadss", "moaas")


def _int(field: str, value, low: int, high: int, *, required: bool = True) -> int | None:
    if value in (None, "") and not required:
        return None
    if isinstance(value, bool):
        raise ValidationError({field: "Must be a whole number."})
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: "Must be a whole number."}) from None
    if number != value and str(number) != str(value).strip():
        raise ValidationError({field: "Must be a whole number."})
    if not low <= number <= high:
        raise ValidationError({field: f"Must be between {low} and {high}, not {number}."})
    return number


@transaction.atomic
def do_record_vitals(
    actor,
    session_id: int,
    *,
    systolic_mmhg,
    diastolic_mmhg,
    heart_rate_bpm,
    spo2_percent,
    respiratory_rate_per_min=None,
    recorded_at: dt.datetime | None = None,
) -> VitalSign:
    """One set of vital signs, matched to the protocol's next check (late ones flagged).

    Before administration they are pre-dose vitals; after the stop of administration or in
    observation they are monitoring vitals. A reading above the protocol's stop level during
    administration is recorded and returned with `stop_reasons` for the page to prompt.
    """
    session = locked_session(actor, session_id)
    require_status(session, VITALS_ALLOWED, "record vital signs")
    values = {
        "systolic_mmhg": _int("systolic_mmhg", systolic_mmhg, 40, 300),
        "diastolic_mmhg": _int("diastolic_mmhg", diastolic_mmhg, 20, 200),
        "heart_rate_bpm": _int("heart_rate_bpm", heart_rate_bpm, 20, 250),
        "spo2_percent": _int("spo2_percent", spo2_percent, 50, 100),
        "respiratory_rate_per_min": _int("respiratory_rate_per_min", respiratory_rate_per_min, 4, 60, required=False),
    }
    if values["diastolic_mmhg"] >= values["systolic_mmhg"]:
        raise ValidationError({"diastolic_mmhg": "The diastolic pressure must be below the systolic."})
    now = clock.now()
    at = recorded_at or now
    if timezone.is_naive(at):
        raise ValidationError({"recorded_at": "Give a time with its time zone."})
    if at > now + dt.timedelta(minutes=1):
        raise ValidationError({"recorded_at": "Vital signs cannot be recorded in the future."})
    if at < session.checked_in_at:
        raise ValidationError({"recorded_at": "This is before the patient checked in."})
    minute = minutes_since_start(session, at)
    scheduled = None
    late = 0
    if minute is None:
        phase = VitalPhase.PRE_DOSE
    else:
        phase = VitalPhase.MONITORING
        answered = {v.scheduled_minute for v in session.vitals.all() if v.scheduled_minute is not None}
        scheduled = check_for_reading(
            session.template.vital_check_times_min or [],
            answered,
            minute,
            tolerance_min=settings_of(session).vitals_tolerance_min,
        )
        if scheduled is not None and minute > scheduled + settings_of(session).vitals_tolerance_min:
            late = int(minute - scheduled)
    vital = VitalSign.objects.create(
        session=session,
        phase=phase,
        scheduled_minute=scheduled,
        recorded_at=at,
        minute=None if minute is None else int(minute),
        minutes_late=late,
        recorded_by=actor,
        **values,
    )
    vital.stop_reasons = (
        stop_reasons(values["systolic_mmhg"], values["diastolic_mmhg"], thresholds_of(session))
        if session.status == SessionStatus.ADMINISTERING
        else []
    )
    audit_step(
        actor,
        session,
        vital,
        action=AuditAction.CREATE,
        phase=phase,
        scheduled_minute=scheduled,
        minutes_late=late,
        **values,
    )
    return vital


@transaction.atomic
def do_record_rating(actor, session_id: int, *, instrument: str, answers) -> SessionRating:
    """A CADSS or MOAA/S rating, stored as a measures response and linked to the session."""
    session = locked_session(actor, session_id)
    require_status(session, RATINGS_ALLOWED, "rate dissociation or sedation")
    if instrument not in RATING_INSTRUMENTS:
        raise ValidationError({"instrument": "Choose CADSS or MOAA/S."})
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Give the item answers."})
    response = do_enter_response(actor, session.patient, instrument, answers)
    now = clock.now()
    minute = minutes_since_start(session, now)
    rating = SessionRating.objects.create(
        session=session,
        instrument=instrument,
        response=response,
        minute=None if minute is None else int(minute),
        recorded_at=now,
        recorded_by=actor,
    )
    audit_step(
        actor,
        session,
        rating,
        action=AuditAction.CREATE,
        instrument=instrument,
        total=response.total,
        response=response.pk,
    )
    return rating


@transaction.atomic
def do_record_adverse_event(
    actor,
    session_id: int,
    *,
    kind: str,
    action_taken: str,
    severity: str = "mild",
    description: str = "",
    rescue_medicine: str = "",
    rescue_dose_mg=None,
    onset_at: dt.datetime | None = None,
) -> AdverseEvent:
    session = locked_session(actor, session_id)
    require_status(session, EVENTS_ALLOWED, "record an adverse event")
    if kind not in AdverseEventKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    if severity not in AdverseEventSeverity.values:
        raise ValidationError({"severity": f"Unknown severity {severity!r}."})
    action_taken = clean_text("action_taken", action_taken, required=True)
    description = clean_text("description", description)
    if kind == AdverseEventKind.OTHER and not description:
        raise ValidationError({"description": "Describe the event."})
    rescue_medicine = clean_text("rescue_medicine", rescue_medicine, max_chars=200)
    dose = None
    if rescue_dose_mg not in (None, ""):
        try:
            dose = to_decimal("rescue_dose_mg", rescue_dose_mg)
        except DosingError as error:
            raise ValidationError({"rescue_dose_mg": error.problem}) from None
        if not Decimal("0") < dose < Decimal("100000"):
            raise ValidationError({"rescue_dose_mg": "Must be more than 0 mg."})
        if not rescue_medicine:
            raise ValidationError({"rescue_medicine": "Name the rescue medicine the dose is for."})
    now = clock.now()
    onset = onset_at or now
    if timezone.is_naive(onset) or onset > now + dt.timedelta(minutes=1) or onset < session.checked_in_at:
        raise ValidationError({"onset_at": "The onset must be during the session, with its time zone."})
    event = AdverseEvent.objects.create(
        session=session,
        kind=kind,
        severity=severity,
        onset_at=onset,
        description=description,
        action_taken=action_taken,
        rescue_medicine=rescue_medicine,
        rescue_dose_mg=dose,
        recorded_by=actor,
        recorded_at=now,
    )
    audit_step(
        actor,
        session,
        event,
        action=AuditAction.CREATE,
        kind=kind,
        severity=severity,
        rescue_medicine=rescue_medicine,
        rescue_dose_mg=dose,
    )
    return event
