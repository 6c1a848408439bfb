"""Every write to a treatment session: permission, organisation, status, one transaction, audited.

The session row is locked (select_for_update) for each step, so two tablets charting the same
session apply their steps one after the other. A signed session refuses every step except an
addendum. Rules live in domain/ (hold, vitals schedule, devices, discharge); the ledger's own
actions record the administration and waste of controlled substances.
"""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.ledger import actions as ledger_actions
from ketacare.ledger.models import Drug as LedgerDrug
from ketacare.ledger.selectors import available_vials
from ketacare.measures.actions import do_enter_response
from ketacare.patients.actions import do_record_weight
from ketacare.protocols.domain.dosing import DosingError, calculate_dose, to_decimal
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.models import Drug, TreatmentPlan
from ketacare.rems.selectors import rems_blockers
from ketacare.scheduling.actions import complete_appointment, do_check_in_appointment
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.treatments import clock
from ketacare.treatments.domain.checklist import missing_items
from ketacare.treatments.domain.devices import DeviceError, check_next_device, devices_for_dose
from ketacare.treatments.domain.discharge import LastVitals, missing_criteria
from ketacare.treatments.domain.hold import hold_reasons, stop_reasons
from ketacare.treatments.domain.rules import ESKETAMINE_DEVICE_MG
from ketacare.treatments.domain.status import (
    CHECKS_ALLOWED,
    EVENTS_ALLOWED,
    RATINGS_ALLOWED,
    VITALS_ALLOWED,
    can_move,
)
from ketacare.treatments.domain.vitals_schedule import check_for_reading
from ketacare.treatments.models import (
    AdverseEvent,
    AdverseEventKind,
    AdverseEventSeverity,
    CheckItem,
    DischargeAssessment,
    DosePreparation,
    InteractingMedicine,
    SessionAddendum,
    SessionCheck,
    SessionDevice,
    SessionRating,
    SessionSignature,
    SessionStatus,
    SignerRole,
    TreatmentSession,
    TreatmentSettings,
    VitalPhase,
    VitalSign,
)
from ketacare.treatments.selectors import (
    ROUTE_BY_KIND,
    access_session_by_id,
    discharge_range_of,
    min_observation_of,
    minutes_since_start,
    required_checks_of,
    settings_of,
    thresholds_of,
)

TEXT_MAX_CHARS = 2000
RATING_INSTRUMENTS = ("cadss", "moaas")
_LIVE_APPOINTMENT = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
# The protocol's drug → the ledger's product drug.
LEDGER_DRUG = {Drug.KETAMINE_RACEMIC: LedgerDrug.KETAMINE, Drug.ESKETAMINE: LedgerDrug.ESKETAMINE}


def _text(field: str, value, *, required: bool = False, max_chars: int = TEXT_MAX_CHARS) -> str:
    text = (value or "").strip() if isinstance(value, str) or value is None else None
    if text is None:
        raise ValidationError({field: "Must be text."})
    if required and not text:
        raise ValidationError({field: "This is required."})
    if len(text) > max_chars:
        raise ValidationError({field: f"Keep this under {max_chars} characters."})
    return text


def _session(actor, session_id: int, permission: Permission = Permission.SESSION_CHART) -> TreatmentSession:
    """The session, locked for this transaction; refused when signed."""
    require_permission(actor, permission)
    session = access_session_by_id(actor, session_id, audit=False, for_update=True)
    if session.status == SessionStatus.SIGNED:
        raise ValidationError({"session": "This session is signed and locked; write an addendum instead."})
    return session


def _require_status(session: TreatmentSession, allowed, step: str) -> None:
    if session.status not in allowed:
        raise ValidationError({"status": f"Cannot {step} while the session is {session.get_status_display().lower()}."})


def _move(session: TreatmentSession, new: str) -> str:
    old = session.status
    if not can_move(old, new):
        raise ValidationError({"status": f"A {session.get_status_display().lower()} session cannot become {new}."})
    session.status = new
    return old


def _staff_member(actor, user_id, field: str):
    """An active user of the actor's organisation (the ledger checks they may co-sign)."""
    if isinstance(user_id, bool):
        raise ValidationError({field: "Choose a colleague."})
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise ValidationError({field: "Choose a colleague."}) from None
    user = get_user_model().objects.filter(
        pk=user_id, organisation_id=actor.organisation_id, is_active=True
    ).first() if 0 < user_id < 2**63 else None
    if user is None:
        raise ValidationError({field: "Choose a colleague of this clinic."})
    return user


def _audit(actor, session: TreatmentSession, obj=None, *, action=AuditAction.UPDATE, **detail) -> None:
    record_event(actor, action, obj or session, patient=session.patient, detail={"session": session.pk, **detail})


# --------------------------------------------------------------------------- settings

SETTINGS_FIELDS = (
    "vitals_tolerance_min", "esketamine_min_observation_min", "other_min_observation_min",
    "discharge_max_heart_rate_bpm", "discharge_min_spo2_percent", "pregnancy_test_required",
)


@transaction.atomic
def do_update_treatment_settings(actor, **values) -> TreatmentSettings:
    """A clinic admin changes the organisation's charting settings (esketamine observation ≥ 120 min)."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    return update_organisation_settings(actor, TreatmentSettings, SETTINGS_FIELDS, values)


# --------------------------------------------------------------------------- check-in


def _plan_for(appointment: Appointment, route: str) -> TreatmentPlan:
    if appointment.planned_session_id:
        return appointment.planned_session.plan
    if appointment.course_id and appointment.course.plan_id:
        return appointment.course.plan
    plan = (
        TreatmentPlan.objects.filter(patient=appointment.patient, template__route=route, status=PlanStatus.ACTIVE)
        .select_related("template").order_by("-start_date", "-id").first()
    )
    if plan is None:
        raise ValidationError({"plan": "This patient has no active treatment plan for this route."})
    return plan


@transaction.atomic
def do_start_session(actor, appointment_id: int) -> TreatmentSession:
    """Open the session of one of today's treatment appointments (again the same one if already open)."""
    require_permission(actor, Permission.SESSION_CHART)
    appointment = (
        Appointment.objects.select_for_update(of=("self",))
        .select_related("patient", "appointment_type", "location", "planned_session__plan", "course__plan")
        .filter(pk=appointment_id, organisation_id=actor.organisation_id).first()
    )
    if appointment is None:
        raise Http404("No such appointment")
    existing = appointment.treatment_sessions.exclude(status=SessionStatus.CANCELLED).first()
    if existing is not None:
        return existing
    route = ROUTE_BY_KIND.get(appointment.appointment_type.kind)
    if route is None:
        raise ValidationError({"appointment": "This appointment is not a treatment session."})
    if appointment.status not in _LIVE_APPOINTMENT:
        raise ValidationError({"appointment": f"The appointment is {appointment.get_status_display().lower()}."})
    plan = _plan_for(appointment, route)
    if plan.status != PlanStatus.ACTIVE:
        raise ValidationError({"plan": f"The treatment plan is {plan.status}; it must be active."})
    if plan.template.route != route:
        raise ValidationError({"plan": "The plan's route does not match the appointment."})
    if appointment.status == AppointmentStatus.BOOKED:
        # The patient is here: the appointment is checked in too (only on its own day).
        do_check_in_appointment(actor, appointment.pk)
    weight = plan.patient.weights.order_by("-measured_on", "-recorded_at").first()
    session = TreatmentSession(
        organisation_id=appointment.organisation_id, location=appointment.location, patient=appointment.patient,
        plan=plan, template=plan.template, planned_session=appointment.planned_session, appointment=appointment,
        route=route, drug=plan.template.drug, monitoring_clinician=actor, checked_in_at=clock.now(), created_by=actor,
        weight_kg=weight.weight_kg if weight else None, weight_measured_on=weight.measured_on if weight else None,
    )
    try:
        with transaction.atomic():
            session.save(force_insert=True)
    except IntegrityError:  # a second tablet opened it at the same moment
        return appointment.treatment_sessions.exclude(status=SessionStatus.CANCELLED).get()
    _audit(actor, session, action=AuditAction.CREATE, appointment=appointment.pk, plan=plan.pk, route=route)
    return session


@transaction.atomic
def do_record_check(actor, session_id: int, *, item: str, passed: bool, note: str = "",
                    weight_kg=None, interacting_medicines=None) -> SessionCheck:
    """Answer one checklist item (again: the latest answer counts).

    `weight` records today's weight in the patient's weight history; `interacting_medicines`
    lists what the patient took today among the medicines the REMS form asks about.
    """
    session = _session(actor, session_id)
    _require_status(session, CHECKS_ALLOWED, "change the checklist")
    if item not in CheckItem.values:
        raise ValidationError({"item": f"Unknown checklist item {item!r}."})
    if not isinstance(passed, bool):
        raise ValidationError({"passed": "Answer yes or no."})
    note = _text("note", note, max_chars=500)
    now = clock.now()
    fields = []
    if item == CheckItem.WEIGHT and passed:
        if weight_kg in (None, ""):
            raise ValidationError({"weight_kg": "Enter today's weight in kg."})
        try:
            weight = to_decimal("weight_kg", weight_kg)
        except DosingError as error:
            raise ValidationError({"weight_kg": error.problem}) from None
        today = now.astimezone(session.location.zone).date()
        do_record_weight(actor, session.patient_id, weight_kg=weight, measured_on=today)
        session.weight_kg, session.weight_measured_on = weight, today
        fields += ["weight_kg", "weight_measured_on"]
    if item == CheckItem.INTERACTING_MEDICINES:
        taken = list(interacting_medicines or [])
        unknown = [code for code in taken if code not in InteractingMedicine.values]
        if unknown:
            raise ValidationError({"interacting_medicines": f"Unknown medicine group(s): {', '.join(map(str, unknown))}."})
        session.interacting_medicines = sorted(set(taken))
        fields.append("interacting_medicines")
    if item == CheckItem.PREGNANCY_TEST and passed and not note:
        raise ValidationError({"note": "Record the pregnancy test result (or why it does not apply)."})
    if fields:
        session.save(update_fields=fields)
    check, created = SessionCheck.objects.update_or_create(
        session=session, item=item,
        defaults={"passed": passed, "note": note, "recorded_by": actor, "recorded_at": now},
    )
    _audit(actor, session, check, action=AuditAction.CREATE if created else AuditAction.UPDATE,
           item=item, passed=passed, note=note, weight_kg=session.weight_kg if item == CheckItem.WEIGHT else None,
           interacting_medicines=session.interacting_medicines if item == CheckItem.INTERACTING_MEDICINES else None)
    return check


@transaction.atomic
def do_record_checklist(actor, session_id: int, *, answers: dict, notes: dict | None = None, weight_kg=None,
                        interacting_medicines=None) -> list[SessionCheck]:
    """Several checklist answers at once (the tablet's checklist form): each item as do_record_check."""
    if not isinstance(answers, dict) or not answers:
        raise ValidationError({"checks": "Answer at least one checklist item."})
    notes = notes or {}
    return [
        do_record_check(
            actor, session_id, item=item, passed=passed, note=notes.get(item, ""),
            weight_kg=weight_kg if item == CheckItem.WEIGHT else None,
            interacting_medicines=interacting_medicines if item == CheckItem.INTERACTING_MEDICINES else None,
        )
        for item, passed in answers.items()
    ]


# --------------------------------------------------------------------------- vitals and the hold


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
def do_record_vitals(actor, session_id: int, *, systolic_mmhg, diastolic_mmhg, heart_rate_bpm, spo2_percent,
                     respiratory_rate_per_min=None, recorded_at: dt.datetime | None = None) -> VitalSign:
    """One set of vital signs, matched to the protocol's next check (late ones flagged).

    Before administration they are pre-dose vitals; after the stop of administration or in
    observation they are monitoring vitals. A reading above the protocol's stop level during
    administration is recorded and returned with `stop_reasons` for the page to prompt.
    """
    session = _session(actor, session_id)
    _require_status(session, VITALS_ALLOWED, "record vital signs")
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
            session.template.vital_check_times_min or [], answered, minute,
            tolerance_min=settings_of(session).vitals_tolerance_min,
        )
        if scheduled is not None and minute > scheduled + settings_of(session).vitals_tolerance_min:
            late = int(minute - scheduled)
    vital = VitalSign.objects.create(
        session=session, phase=phase, scheduled_minute=scheduled, recorded_at=at,
        minute=None if minute is None else int(minute), minutes_late=late, recorded_by=actor, **values,
    )
    vital.stop_reasons = (
        stop_reasons(values["systolic_mmhg"], values["diastolic_mmhg"], thresholds_of(session))
        if session.status == SessionStatus.ADMINISTERING else []
    )
    _audit(actor, session, vital, action=AuditAction.CREATE, phase=phase, scheduled_minute=scheduled,
           minutes_late=late, **values)
    return vital


@transaction.atomic
def do_complete_prechecks(actor, session_id: int) -> TreatmentSession:
    """Close the checklist: every required item answered yes and pre-dose vitals taken.

    Pre-dose blood pressure above the protocol's delay level HOLDS the session (not an error:
    the hold is recorded) until a prescriber overrides it with a reason.
    """
    session = _session(actor, session_id)
    _require_status(session, (SessionStatus.CHECKED_IN,), "complete the pre-session checks")
    settings = settings_of(session)
    passed = session.checks.filter(passed=True).values_list("item", flat=True)
    missing = missing_items(required_checks_of(session, settings), passed)
    if missing:
        labels = ", ".join(CheckItem(item).label for item in missing)
        raise ValidationError({"checks": f"Not yet done: {labels}."})
    last = session.vitals.filter(phase=VitalPhase.PRE_DOSE).order_by("-recorded_at", "-id").first()
    if last is None:
        raise ValidationError({"vitals": "Take blood pressure, heart rate and SpO2 before dosing."})
    reasons = hold_reasons(last.systolic_mmhg, last.diastolic_mmhg, thresholds_of(session))
    if reasons:
        _move(session, SessionStatus.HELD)
        session.hold_reason = " ".join(reasons)
        session.held_at = clock.now()
        session.save(update_fields=["status", "hold_reason", "held_at"])
        _audit(actor, session, action=AuditAction.STATUS_CHANGE, status="held", hold_reason=session.hold_reason,
               vital=last.pk)
    else:
        _move(session, SessionStatus.PRECHECKS_DONE)
        session.save(update_fields=["status"])
        _audit(actor, session, action=AuditAction.STATUS_CHANGE, status="prechecks_done", vital=last.pk)
    return session


@transaction.atomic
def do_override_hold(actor, session_id: int, *, reason: str) -> TreatmentSession:
    """A prescriber lets a held session go ahead, with a reason (audited)."""
    require_permission(actor, Permission.SESSION_OVERRIDE)
    session = _session(actor, session_id, Permission.SESSION_OVERRIDE)
    reason = _text("reason", reason, required=True)
    _require_status(session, (SessionStatus.HELD,), "override a hold")
    _move(session, SessionStatus.PRECHECKS_DONE)
    session.override_reason = reason
    session.overridden_by = actor
    session.overridden_at = clock.now()
    session.prescriber = session.prescriber or actor
    session.save(update_fields=["status", "override_reason", "overridden_by", "overridden_at", "prescriber"])
    _audit(actor, session, action=AuditAction.STATUS_CHANGE, status="prechecks_done", override=True,
           reason=reason, hold_reason=session.hold_reason)
    return session


@transaction.atomic
def do_cancel_session(actor, session_id: int, *, reason: str) -> TreatmentSession:
    """The treatment is not given today (before administration starts); the record stays."""
    session = _session(actor, session_id)
    reason = _text("reason", reason, required=True)
    if session.preparations.exists():
        raise ValidationError({"status": "A dose has been drawn: record it as wasted and chart the session instead."})
    _move(session, SessionStatus.CANCELLED)
    session.cancelled_reason = reason
    session.save(update_fields=["status", "cancelled_reason"])
    _audit(actor, session, action=AuditAction.STATUS_CHANGE, status="cancelled", reason=reason)
    return session


# --------------------------------------------------------------------------- dose and ledger


def _rems_blockers(session: TreatmentSession) -> None:
    if not session.is_esketamine:
        return
    blockers = rems_blockers(session.patient, session.location)
    if blockers:
        raise ValidationError({"rems": " ".join(blockers)})


def _vial(actor, session: TreatmentSession, vial_id):
    if isinstance(vial_id, bool):
        raise ValidationError({"vial_id": "Choose a vial."})
    try:
        vial_id = int(vial_id)
    except (TypeError, ValueError):
        raise ValidationError({"vial_id": "Choose a vial."}) from None
    vial = available_vials(actor, session.location, LEDGER_DRUG[session.drug]).filter(pk=vial_id).first() \
        if 0 < vial_id < 2**63 else None
    if vial is None:
        raise ValidationError({"vial_id": "This vial is not available at this location for this drug."})
    return vial


def planned_dose(session: TreatmentSession, concentration_mg_per_ml=None, dose_mg=None):
    """The dose to draw: weight-based from the plan (protocols/domain/dosing.py), or esketamine's fixed mg."""
    template = session.template
    if not template.is_weight_based:
        if dose_mg in (None, ""):
            raise ValidationError({"dose_mg": "Choose the esketamine dose (56 or 84 mg)."})
        try:
            devices_for_dose(dose_mg)
        except (DeviceError, ArithmeticError, ValueError) as error:
            raise ValidationError({"dose_mg": getattr(error, "problem", "Must be a number of mg.")}) from None
        return Decimal(str(dose_mg)), None, None
    plan = session.plan
    try:
        result = calculate_dose(
            dose_mg_per_kg=plan.dose_mg_per_kg, weight_kg=session.weight_kg,
            weight_measured_on=session.weight_measured_on,
            today=session.checked_in_at.astimezone(session.location.zone).date(),
            limits=template.limits(), policy=template.policy(),
            concentration_mg_per_ml=concentration_mg_per_ml or template.concentration_mg_per_ml,
            override_reason=plan.dose_override_reason,
        )
    except DosingError as error:
        raise ValidationError({error.field: error.problem}) from None
    if result.blocked:
        raise ValidationError({"dose_mg": " ".join(result.block_reasons) + " A prescriber must override it on the plan."})
    return result.dose_mg, result.volume_ml, result.dose_mg_per_kg


@transaction.atomic
def do_prepare_dose(actor, session_id: int, *, vial_id, checked_by_id, dose_mg=None) -> DosePreparation:
    """Draw the dose from one vial (lot): the drawer is the actor, a second person checks.

    Records the ledger administration entry (the ledger refuses a dose above the vial's balance).
    Esketamine: one preparation per device pack, up to the chosen dose.
    """
    session = _session(actor, session_id)
    _require_status(session, (SessionStatus.PRECHECKS_DONE, SessionStatus.DOSING), "prepare the dose")
    if session.status == SessionStatus.DOSING and not session.is_esketamine:
        raise ValidationError({"status": "The dose has already been prepared."})
    _rems_blockers(session)
    checker = _staff_member(actor, checked_by_id, "checked_by")
    vial = _vial(actor, session, vial_id)
    # mL products carry their strength in mg/mL; esketamine devices are counted, not measured.
    concentration = vial.product.strength_mg_per_unit if vial.volume_ml_for(Decimal("1")) is not None else None
    dose, volume, per_kg = planned_dose(session, concentration, dose_mg)
    if session.is_esketamine:
        drawn = sum((p.dose_mg for p in session.preparations.all()), Decimal("0"))
        if session.status == SessionStatus.DOSING and drawn + dose > Decimal(ESKETAMINE_DEVICE_MG * 3):
            raise ValidationError({"dose_mg": "This would exceed 84 mg of esketamine in one session."})
    entry = ledger_actions.do_record_administration(
        actor, vial_id=vial.pk, dose_mg=dose, checked_by=checker, patient=session.patient,
        treatment_session_id=session.pk, note=f"Session {session.pk}", location_id=session.location_id,
    )
    preparation = DosePreparation.objects.create(
        session=session, vial_id=vial.pk, lot=vial.lot, dose_mg=dose, volume_ml=volume,
        concentration_mg_per_ml=concentration, dose_mg_per_kg=per_kg, drawn_by=actor, checked_by=checker,
        drawn_at=clock.now(), ledger_entry_id=entry.pk,
    )
    if session.status != SessionStatus.DOSING:
        _move(session, SessionStatus.DOSING)
        session.save(update_fields=["status"])
    _audit(actor, session, preparation, action=AuditAction.CREATE, vial=vial.pk, lot=preparation.lot,
           dose_mg=dose, volume_ml=volume, checked_by=checker.pk, ledger_entry=preparation.ledger_entry_id)
    return preparation


def do_waste_remainder(actor, session_id: int, preparation_id: int, *, quantity_mg, witness_id,
                       witness_password: str, reason: str) -> DosePreparation:
    """Waste what is left in the vial, witnessed by a second user who re-enters their password.

    Not one transaction on purpose: the ledger records a witness's failed re-authentication in
    its own transaction, which must survive the refusal; the waste entry and the chart update
    are each atomic.
    """
    with transaction.atomic():
        session = _session(actor, session_id)
        preparation = session.preparations.filter(pk=preparation_id).first() if 0 < preparation_id < 2**63 else None
        if preparation is None:
            raise ValidationError({"preparation": "No such dose preparation in this session."})
        if preparation.waste_ledger_entry_id is not None:
            raise ValidationError({"preparation": "The remainder of this vial has already been wasted."})
        witness = _staff_member(actor, witness_id, "witness")
        reason = _text("reason", reason, required=True, max_chars=500)
    entry = ledger_actions.do_record_waste(
        actor, vial_id=preparation.vial_id, quantity_mg=quantity_mg, witness=witness,
        witness_password=witness_password if isinstance(witness_password, str) else "", reason=reason,
        patient=session.patient, treatment_session_id=session.pk,
    )
    with transaction.atomic():
        session = _session(actor, session_id)
        preparation = session.preparations.select_for_update().get(pk=preparation.pk)
        preparation.wasted_mg = -entry.quantity_mg
        preparation.waste_witness = witness
        preparation.waste_ledger_entry_id = entry.pk
        preparation.wasted_at = entry.occurred_at
        preparation.save(update_fields=["wasted_mg", "waste_witness", "waste_ledger_entry_id", "wasted_at"])
        _audit(actor, session, preparation, quantity_mg=preparation.wasted_mg, witness=witness.pk, reason=reason,
               waste_ledger_entry=entry.pk)
    return preparation


# --------------------------------------------------------------------------- administration


@transaction.atomic
def do_start_administration(actor, session_id: int) -> TreatmentSession:
    """Start the infusion / injection / lozenge (esketamine starts with its first device)."""
    session = _session(actor, session_id)
    if session.is_esketamine:
        raise ValidationError({"device": "Esketamine starts with the first device: record the device."})
    _require_status(session, (SessionStatus.DOSING,), "start administration")
    _move(session, SessionStatus.ADMINISTERING)
    session.administration_started_at = clock.now()
    session.administered_by = actor
    session.save(update_fields=["status", "administration_started_at", "administered_by"])
    _audit(actor, session, action=AuditAction.STATUS_CHANGE, status="administering")
    return session


@transaction.atomic
def do_stop_administration(actor, session_id: int) -> TreatmentSession:
    session = _session(actor, session_id)
    _require_status(session, (SessionStatus.ADMINISTERING,), "stop administration")
    if session.is_esketamine:
        raise ValidationError({"device": "Esketamine administration ends with its last device."})
    _move(session, SessionStatus.OBSERVING)
    session.administration_stopped_at = clock.now()
    session.save(update_fields=["status", "administration_stopped_at"])
    _audit(actor, session, action=AuditAction.STATUS_CHANGE, status="observing")
    return session


@transaction.atomic
def do_record_device(actor, session_id: int) -> SessionDevice:
    """One esketamine device used now; the next only after the 5-minute rest (CLINICAL.md §2)."""
    session = _session(actor, session_id)
    if not session.is_esketamine:
        raise ValidationError({"device": "Devices are for esketamine sessions."})
    _require_status(session, (SessionStatus.DOSING, SessionStatus.ADMINISTERING), "record a device")
    _rems_blockers(session)
    drawn = sum((p.dose_mg for p in session.preparations.all()), Decimal("0"))
    planned = devices_for_dose(drawn)
    used = [d.administered_at for d in session.devices.all()]
    now = clock.now()
    try:
        check_next_device(used, planned, now)
    except DeviceError as error:
        raise ValidationError({error.field: error.problem}) from None
    device = SessionDevice.objects.create(
        session=session, sequence=len(used) + 1, dose_mg=ESKETAMINE_DEVICE_MG, administered_at=now, recorded_by=actor
    )
    fields = []
    if session.status == SessionStatus.DOSING:
        _move(session, SessionStatus.ADMINISTERING)
        session.administration_started_at = now
        session.administered_by = actor
        fields += ["status", "administration_started_at", "administered_by"]
    if device.sequence == planned:
        _move(session, SessionStatus.OBSERVING)
        session.administration_stopped_at = now
        fields += ["status", "administration_stopped_at"]
    if fields:
        session.save(update_fields=sorted(set(fields)))
    _audit(actor, session, device, action=AuditAction.CREATE, sequence=device.sequence, of=planned)
    return device


# --------------------------------------------------------------------------- ratings and events


@transaction.atomic
def do_record_rating(actor, session_id: int, *, instrument: str, answers) -> SessionRating:
    """A CADSS or MOAA/S rating, stored as a measures response and linked to the session."""
    session = _session(actor, session_id)
    _require_status(session, RATINGS_ALLOWED, "rate dissociation or sedation")
    if instrument not in RATING_INSTRUMENTS:
        raise ValidationError({"instrument": "Choose CADSS or MOAA/S."})
    if not isinstance(answers, dict):
        raise ValidationError({"answers": "Give the item answers."})
    response = do_enter_response(actor, session.patient, instrument, answers)
    now = clock.now()
    minute = minutes_since_start(session, now)
    rating = SessionRating.objects.create(
        session=session, instrument=instrument, response=response,
        minute=None if minute is None else int(minute), recorded_at=now, recorded_by=actor,
    )
    _audit(actor, session, rating, action=AuditAction.CREATE, instrument=instrument, total=response.total,
           response=response.pk)
    return rating


@transaction.atomic
def do_record_adverse_event(actor, session_id: int, *, kind: str, action_taken: str, severity: str = "mild",
                            description: str = "", rescue_medicine: str = "", rescue_dose_mg=None,
                            onset_at: dt.datetime | None = None) -> AdverseEvent:
    session = _session(actor, session_id)
    _require_status(session, EVENTS_ALLOWED, "record an adverse event")
    if kind not in AdverseEventKind.values:
        raise ValidationError({"kind": f"Unknown kind {kind!r}."})
    if severity not in AdverseEventSeverity.values:
        raise ValidationError({"severity": f"Unknown severity {severity!r}."})
    action_taken = _text("action_taken", action_taken, required=True)
    description = _text("description", description)
    if kind == AdverseEventKind.OTHER and not description:
        raise ValidationError({"description": "Describe the event."})
    rescue_medicine = _text("rescue_medicine", rescue_medicine, max_chars=200)
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
        session=session, kind=kind, severity=severity, onset_at=onset, description=description,
        action_taken=action_taken, rescue_medicine=rescue_medicine, rescue_dose_mg=dose,
        recorded_by=actor, recorded_at=now,
    )
    _audit(actor, session, event, action=AuditAction.CREATE, kind=kind, severity=severity,
           rescue_medicine=rescue_medicine, rescue_dose_mg=dose)
    return event


# --------------------------------------------------------------------------- discharge, signatures, addenda


def discharge_gaps(session: TreatmentSession, *, alert: bool, walking_steadily: bool, accompanied_home: bool,
                   now: dt.datetime) -> dict[str, str]:
    """Discharge criteria not met (empty = may go)."""
    settings = settings_of(session)
    last = session.vitals.exclude(phase=VitalPhase.PRE_DOSE).order_by("-recorded_at", "-id").first()
    return missing_criteria(
        last_vitals=None if last is None else LastVitals(
            last.systolic_mmhg, last.diastolic_mmhg, last.heart_rate_bpm, last.spo2_percent),
        allowed=discharge_range_of(session, settings),
        alert=alert, walking_steadily=walking_steadily, accompanied_home=accompanied_home,
        observed_minutes=minutes_since_start(session, now),
        min_observation_min=min_observation_of(session, settings),
    )


@transaction.atomic
def do_discharge(actor, session_id: int, *, alert: bool, walking_steadily: bool, accompanied_home: bool,
                 escort_name: str = "", note: str = "") -> TreatmentSession:
    """Discharge once every criterion is met; otherwise refused naming each missing one (nothing saved)."""
    session = _session(actor, session_id)
    _require_status(session, (SessionStatus.OBSERVING,), "discharge")
    for field, value in (("alert", alert), ("walking_steadily", walking_steadily), ("accompanied_home", accompanied_home)):
        if not isinstance(value, bool):
            raise ValidationError({field: "Answer yes or no."})
    escort_name = _text("escort_name", escort_name, max_chars=200)
    note = _text("note", note)
    if accompanied_home and not escort_name:
        raise ValidationError({"escort_name": "Name who is taking the patient home."})
    now = clock.now()
    gaps = discharge_gaps(session, alert=alert, walking_steadily=walking_steadily,
                          accompanied_home=accompanied_home, now=now)
    if gaps:
        raise ValidationError(gaps)
    DischargeAssessment.objects.create(
        session=session, alert=alert, walking_steadily=walking_steadily, accompanied_home=accompanied_home,
        escort_name=escort_name, note=note, assessed_by=actor, assessed_at=now,
    )
    _move(session, SessionStatus.DISCHARGED)
    session.discharged_at = now
    session.discharged_by = actor
    session.save(update_fields=["status", "discharged_at", "discharged_by"])
    _audit(actor, session, action=AuditAction.STATUS_CHANGE, status="discharged", escort_name=escort_name,
           monitoring_minutes=session.monitoring_minutes)
    if session.appointment_id and session.appointment.status in (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN):
        complete_appointment(actor, session.appointment)
    return session


@transaction.atomic
def do_sign_session(actor, session_id: int) -> SessionSignature:
    """The nurse's or the prescriber's signature; with both, the record is locked."""
    session = _session(actor, session_id)
    _require_status(session, (SessionStatus.DISCHARGED,), "sign")
    role = SignerRole.PRESCRIBER if user_may(actor, Permission.SESSION_OVERRIDE) else SignerRole.NURSE
    if session.signatures.filter(role=role).exists():
        raise ValidationError({"signature": f"The {role.label.lower()} has already signed."})
    now = clock.now()
    signature = SessionSignature.objects.create(session=session, role=role, signed_by=actor, signed_at=now)
    _audit(actor, session, signature, action=AuditAction.CREATE, role=role)
    if session.signatures.count() == len(SignerRole):
        if role == SignerRole.PRESCRIBER:
            session.prescriber = actor
        _move(session, SessionStatus.SIGNED)
        session.signed_at = now
        session.save(update_fields=["status", "signed_at", "prescriber"])
        _audit(actor, session, action=AuditAction.STATUS_CHANGE, status="signed")
    return signature


@transaction.atomic
def do_add_addendum(actor, session_id: int, *, text: str) -> SessionAddendum:
    """A correction or addition to a signed record (the only write it accepts)."""
    require_permission(actor, Permission.SESSION_CHART)
    session = access_session_by_id(actor, session_id, audit=False, for_update=True)
    if session.status != SessionStatus.SIGNED:
        raise ValidationError({"text": "Only a signed record takes addenda; correct the chart directly."})
    text = _text("text", text, required=True, max_chars=5000)
    addendum = SessionAddendum.objects.create(session=session, text=text, written_by=actor, written_at=clock.now())
    _audit(actor, session, addendum, action=AuditAction.CREATE, addendum=True)
    return addendum
