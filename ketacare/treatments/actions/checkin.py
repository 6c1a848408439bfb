"""Check-in and the pre-session checks: open the session, the checklist, the blood-pressure hold
and its override, or the treatment not given today."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.models import AuditAction
from ketacare.lib.text import clean_reason, clean_text
from ketacare.patients.actions import do_record_weight
from ketacare.protocols.domain.dosing import DosingError, to_decimal
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.models import TreatmentPlan
from ketacare.scheduling.actions.booking import do_check_in_appointment
from ketacare.scheduling.models import Appointment, AppointmentStatus
from ketacare.treatments import clock
from ketacare.treatments.actions.common import audit_step, locked_session, move_status, require_status
from ketacare.treatments.domain.checklist import missing_items
from ketacare.treatments.domain.hold import hold_reasons
from ketacare.treatments.domain.status import CHECKS_ALLOWED
from ketacare.treatments.models import (
    CheckItem,
    InteractingMedicine,
    SessionCheck,
    SessionStatus,
    TreatmentSession,
    VitalPhase,
)
from ketacare.treatments.selectors.bedside import questionnaires_today
from ketacare.treatments.selectors.checkin import ROUTE_BY_KIND, required_checks_of, thresholds_of
from ketacare.treatments.selectors.settings import settings_of

_LIVE_APPOINTMENT = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


def _plan_for(appointment: Appointment, route: str) -> TreatmentPlan:
    if appointment.planned_session_id:
        return appointment.planned_session.plan
    if appointment.course_id and appointment.course.plan_id:
        return appointment.course.plan
    plan = (
        TreatmentPlan.objects.filter(patient=appointment.patient, template__route=route, status=PlanStatus.ACTIVE)
        .select_related("template")
        .order_by("-start_date", "-id")
        .first()
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
        .filter(pk=appointment_id, organisation_id=actor.organisation_id)
        .first()
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
        organisation_id=appointment.organisation_id,
        location=appointment.location,
        patient=appointment.patient,
        plan=plan,
        template=plan.template,
        planned_session=appointment.planned_session,
        appointment=appointment,
        route=route,
        drug=plan.template.drug,
        monitoring_clinician=actor,
        checked_in_at=clock.now(),
        created_by=actor,
        weight_kg=weight.weight_kg if weight else None,
        weight_measured_on=weight.measured_on if weight else None,
    )
    try:
        with transaction.atomic():
            session.save(force_insert=True)
    except IntegrityError:  # a second tablet opened it at the same moment
        return appointment.treatment_sessions.exclude(status=SessionStatus.CANCELLED).get()
    audit_step(actor, session, action=AuditAction.CREATE, appointment=appointment.pk, plan=plan.pk, route=route)
    return session


@transaction.atomic
def do_record_check(
    actor, session_id: int, *, item: str, passed: bool, note: str = "", weight_kg=None, interacting_medicines=None
) -> SessionCheck:
    """Answer one checklist item (again: the latest answer counts).

    `weight` records today's weight in the patient's weight history; `interacting_medicines`
    lists what the patient took today among the medicines the REMS form asks about.
    """
    session = locked_session(actor, session_id)
    require_status(session, CHECKS_ALLOWED, "change the checklist")
    if item not in CheckItem.values:
        raise ValidationError({"item": f"Unknown checklist item {item!r}."})
    if not isinstance(passed, bool):
        raise ValidationError({"passed": "Answer yes or no."})
    note = clean_text("note", note, max_chars=500)
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
            names = ", ".join(map(str, unknown))
            raise ValidationError({"interacting_medicines": f"Unknown medicine group(s): {names}."})
        session.interacting_medicines = sorted(set(taken))
        fields.append("interacting_medicines")
    if item == CheckItem.QUESTIONNAIRES:
        # Derived from what was submitted today, never the nurse's tick (issue 14).
        today = questionnaires_today(session, now)
        if passed and not today.done:
            raise ValidationError({"questionnaires": today.note})
        passed, note = today.done, today.note
    if item == CheckItem.PREGNANCY_TEST and passed and not note:
        raise ValidationError({"note": "Record the pregnancy test result (or why it does not apply)."})
    if fields:
        session.save(update_fields=fields)
    check, created = SessionCheck.objects.update_or_create(
        session=session,
        item=item,
        defaults={"passed": passed, "note": note, "recorded_by": actor, "recorded_at": now},
    )
    audit_step(
        actor,
        session,
        check,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        item=item,
        passed=passed,
        note=note,
        weight_kg=session.weight_kg if item == CheckItem.WEIGHT else None,
        interacting_medicines=session.interacting_medicines if item == CheckItem.INTERACTING_MEDICINES else None,
    )
    return check


@transaction.atomic
def do_record_checklist(
    actor, session_id: int, *, answers: dict, notes: dict | None = None, weight_kg=None, interacting_medicines=None
) -> list[SessionCheck]:
    """Several checklist answers at once (the tablet's checklist form): each item as do_record_check."""
    if not isinstance(answers, dict) or not answers:
        raise ValidationError({"checks": "Answer at least one checklist item."})
    notes = notes or {}
    return [
        do_record_check(
            actor,
            session_id,
            item=item,
            passed=passed,
            note=notes.get(item, ""),
            weight_kg=weight_kg if item == CheckItem.WEIGHT else None,
            interacting_medicines=interacting_medicines if item == CheckItem.INTERACTING_MEDICINES else None,
        )
        for item, passed in answers.items()
    ]


def _derive_questionnaires_check(actor, session: TreatmentSession):
    """Today's questionnaires as submitted now (the location's day), kept on the checklist; a change
    since the last answer is recorded and audited."""
    today = questionnaires_today(session, clock.now())
    check = session.checks.filter(item=CheckItem.QUESTIONNAIRES).first()
    if check is None or (check.passed, check.note) != (today.done, today.note):
        check, created = SessionCheck.objects.update_or_create(
            session=session,
            item=CheckItem.QUESTIONNAIRES,
            defaults={"passed": today.done, "note": today.note, "recorded_by": actor, "recorded_at": clock.now()},
        )
        audit_step(
            actor,
            session,
            check,
            action=AuditAction.CREATE if created else AuditAction.UPDATE,
            item=CheckItem.QUESTIONNAIRES,
            passed=today.done,
            note=today.note,
            derived=True,
        )
    return today


@transaction.atomic
def do_complete_prechecks(actor, session_id: int) -> TreatmentSession:
    """Close the checklist: every required item answered yes and pre-dose vitals taken.

    Pre-dose blood pressure above the protocol's delay level HOLDS the session (not an error:
    the hold is recorded) until a prescriber overrides it with a reason.
    """
    session = locked_session(actor, session_id)
    require_status(session, (SessionStatus.CHECKED_IN,), "complete the pre-session checks")
    settings = settings_of(session)
    questionnaires = _derive_questionnaires_check(actor, session)
    passed = session.checks.filter(passed=True).values_list("item", flat=True)
    missing = missing_items(required_checks_of(session, settings), passed)
    if missing:
        labels = ", ".join(CheckItem(item).label for item in missing)
        detail = f" {questionnaires.note}" if CheckItem.QUESTIONNAIRES in missing else ""
        raise ValidationError({"checks": f"Not yet done: {labels}.{detail}"})
    last = session.vitals.filter(phase=VitalPhase.PRE_DOSE).order_by("-recorded_at", "-id").first()
    if last is None:
        raise ValidationError({"vitals": "Take blood pressure, heart rate and SpO2 before dosing."})
    reasons = hold_reasons(last.systolic_mmhg, last.diastolic_mmhg, thresholds_of(session))
    if reasons:
        move_status(session, SessionStatus.HELD)
        session.hold_reason = " ".join(reasons)
        session.held_at = clock.now()
        session.save(update_fields=["status", "hold_reason", "held_at"])
        audit_step(
            actor,
            session,
            action=AuditAction.STATUS_CHANGE,
            status="held",
            hold_reason=session.hold_reason,
            vital=last.pk,
        )
    else:
        move_status(session, SessionStatus.PRECHECKS_DONE)
        session.save(update_fields=["status"])
        audit_step(actor, session, action=AuditAction.STATUS_CHANGE, status="prechecks_done", vital=last.pk)
    return session


@transaction.atomic
def do_override_hold(actor, session_id: int, *, reason: str) -> TreatmentSession:
    """A prescriber lets a held session go ahead, with a reason (audited)."""
    require_permission(actor, Permission.SESSION_OVERRIDE)
    session = locked_session(actor, session_id, Permission.SESSION_OVERRIDE)
    reason = clean_reason(reason)
    require_status(session, (SessionStatus.HELD,), "override a hold")
    move_status(session, SessionStatus.PRECHECKS_DONE)
    session.override_reason = reason
    session.overridden_by = actor
    session.overridden_at = clock.now()
    session.prescriber = session.prescriber or actor
    session.save(update_fields=["status", "override_reason", "overridden_by", "overridden_at", "prescriber"])
    audit_step(
        actor,
        session,
        action=AuditAction.STATUS_CHANGE,
        status="prechecks_done",
        override=True,
        reason=reason,
        hold_reason=session.hold_reason,
    )
    return session


@transaction.atomic
def do_cancel_session(actor, session_id: int, *, reason: str) -> TreatmentSession:
    """The treatment is not given today (before administration starts); the record stays."""
    session = locked_session(actor, session_id)
    reason = clean_reason(reason)
    if session.preparations.exists():
        raise ValidationError({"status": "A dose has been drawn: record it as wasted and chart the session instead."})
    move_status(session, SessionStatus.CANCELLED)
    session.cancelled_reason = reason
    session.save(update_fields=["status", "cancelled_reason"])
    audit_step(actor, session, action=AuditAction.STATUS_CHANGE, status="cancelled", reason=reason)
    return session
