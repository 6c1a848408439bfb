"""Dosing and administration: the dose drawn from the ledger (checked by a second person who signs
in on the spot and is on shift), the remainder wasted with a witness, the start and stop of
administration, esketamine devices with their rests. Programmes above treatments (the esketamine REMS) may forbid a dose: start_checks.py.
The ledger's own actions record the administration and waste of the controlled substance.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.accounts.selectors import colleagues
from ketacare.audit.models import AuditAction
from ketacare.ledger import actions as ledger_actions
from ketacare.ledger.actions.administration import reauthenticate_witness
from ketacare.ledger.models import Drug as LedgerDrug
from ketacare.ledger.selectors import available_vials
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason
from ketacare.protocols.domain.dosing import DosingError, calculate_dose
from ketacare.protocols.models import Drug
from ketacare.scheduling.selectors.resources import on_shift_at
from ketacare.treatments import clock
from ketacare.treatments.actions.common import (
    audit_step,
    chosen_id,
    locked_session,
    move_status,
    require_status,
    staff_member,
)
from ketacare.treatments.domain.devices import DeviceError, check_next_device, devices_for_dose
from ketacare.treatments.domain.rules import ESKETAMINE_DEVICE_MG
from ketacare.treatments.models import DosePreparation, SessionDevice, SessionStatus, TreatmentSession
from ketacare.treatments.start_checks import start_check_problems

# The protocol's drug → the ledger's product drug.
LEDGER_DRUG = {Drug.KETAMINE_RACEMIC: LedgerDrug.KETAMINE, Drug.ESKETAMINE: LedgerDrug.ESKETAMINE}


def _require_start_checks(session: TreatmentSession) -> None:
    """Refuse the dose or device while a registered start check (the REMS) names a problem."""
    problems = start_check_problems(session)
    if problems:
        raise ValidationError(problems)


def _vial(actor, session: TreatmentSession, vial_id):
    vial_id = chosen_id(vial_id, "vial_id", "Choose a vial.")
    vial = available_vials(actor, session.location, LEDGER_DRUG[session.drug]).filter(pk=db_id_or_zero(vial_id)).first()
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
            dose_mg_per_kg=plan.dose_mg_per_kg,
            weight_kg=session.weight_kg,
            weight_measured_on=session.weight_measured_on,
            today=session.checked_in_at.astimezone(session.location.zone).date(),
            limits=template.limits(),
            policy=template.policy(),
            concentration_mg_per_ml=concentration_mg_per_ml or template.concentration_mg_per_ml,
            override_reason=plan.dose_override_reason,
        )
    except DosingError as error:
        raise ValidationError({error.field: error.problem}) from None
    if result.blocked:
        reasons = " ".join(result.block_reasons)
        raise ValidationError({"dose_mg": f"{reasons} A prescriber must override it on the plan."})
    return result.dose_mg, result.volume_ml, result.dose_mg_per_kg


def do_prepare_dose(
    actor, session_id: int, *, vial_id, checker_username, checker_password, dose_mg=None
) -> DosePreparation:
    """Draw the dose from one vial (lot): the drawer is the actor; a second person checks it by
    signing in on the spot (username and password, as the ledger's waste witness does), on shift
    at the session's location now, and not the nurse who draws or administers it (issue 14).

    Records the ledger administration entry (the ledger refuses a dose above the vial's balance).
    Esketamine: one preparation per device pack, up to the chosen dose.

    Not one transaction on purpose: a checker's wrong password is recorded (and counts towards the
    lockout) in its own transaction, which must survive the refusal; the dose is drawn in one.
    """
    with transaction.atomic():
        session = _session_for_dose(actor, session_id)
        checker = _second_checker(actor, session, checker_username)
    reauthenticate_witness(
        actor, checker, checker_password, detail={"session": session.pk}, field="checker_password", who="checker"
    )
    return _draw_dose(actor, session_id, checker, vial_id, dose_mg)


def _session_for_dose(actor, session_id: int) -> TreatmentSession:
    session = locked_session(actor, session_id)
    require_status(session, (SessionStatus.PRECHECKS_DONE, SessionStatus.DOSING), "prepare the dose")
    if session.status == SessionStatus.DOSING and not session.is_esketamine:
        raise ValidationError({"status": "The dose has already been prepared."})
    _require_start_checks(session)
    return session


def _second_checker(actor, session: TreatmentSession, username):
    """The colleague named by `username`: another person than the one drawing or administering
    the dose, on shift at the session's location now (scheduling's shifts, extra hours, leave)."""
    if not isinstance(username, str) or not username.strip():
        raise ValidationError({"checker_username": "The second checker signs in with their username."})
    checker = colleagues(actor).filter(username=username.strip()).first()
    if checker is None:
        raise ValidationError({"checker_username": "No colleague of this clinic has this username."})
    if checker.pk in (actor.pk, session.administered_by_id):
        raise ValidationError({"checker_username": "The second check is by someone other than the nurse giving it."})
    if not on_shift_at(checker, session.location, clock.now()):
        raise ValidationError(
            {"checker_username": f"{checker.display_name} is not on shift at {session.location.name} now."}
        )
    return checker


@transaction.atomic
def _draw_dose(actor, session_id: int, checker, vial_id, dose_mg) -> DosePreparation:
    session = _session_for_dose(actor, session_id)
    vial = _vial(actor, session, vial_id)
    # mL products carry their strength in mg/mL; esketamine devices are counted, not measured.
    concentration = vial.product.strength_mg_per_unit if vial.volume_ml_for(Decimal("1")) is not None else None
    dose, volume, per_kg = planned_dose(session, concentration, dose_mg)
    if session.is_esketamine:
        drawn = sum((p.dose_mg for p in session.preparations.all()), Decimal("0"))
        if session.status == SessionStatus.DOSING and drawn + dose > Decimal(ESKETAMINE_DEVICE_MG * 3):
            raise ValidationError({"dose_mg": "This would exceed 84 mg of esketamine in one session."})
    entry = ledger_actions.do_record_administration(
        actor,
        vial_id=vial.pk,
        dose_mg=dose,
        checked_by=checker,
        patient=session.patient,
        treatment_session_id=session.pk,
        note=f"Session {session.pk}",
        location_id=session.location_id,
    )
    preparation = DosePreparation.objects.create(
        session=session,
        vial_id=vial.pk,
        lot=vial.lot,
        dose_mg=dose,
        volume_ml=volume,
        concentration_mg_per_ml=concentration,
        dose_mg_per_kg=per_kg,
        drawn_by=actor,
        checked_by=checker,
        drawn_at=clock.now(),
        ledger_entry_id=entry.pk,
    )
    if session.status != SessionStatus.DOSING:
        move_status(session, SessionStatus.DOSING)
        session.save(update_fields=["status"])
    audit_step(
        actor,
        session,
        preparation,
        action=AuditAction.CREATE,
        vial=vial.pk,
        lot=preparation.lot,
        dose_mg=dose,
        volume_ml=volume,
        checked_by=checker.pk,
        checker_reauthenticated=True,
        ledger_entry=preparation.ledger_entry_id,
    )
    return preparation


def do_waste_remainder(
    actor, session_id: int, preparation_id: int, *, quantity_mg, witness_id, witness_password: str, reason: str
) -> DosePreparation:
    """Waste what is left in the vial, witnessed by a second user who re-enters their password.

    Not one transaction on purpose: the ledger records a witness's failed re-authentication in
    its own transaction, which must survive the refusal; the waste entry and the chart update
    are each atomic.
    """
    with transaction.atomic():
        session = locked_session(actor, session_id)
        preparation = session.preparations.filter(pk=db_id_or_zero(preparation_id)).first()
        if preparation is None:
            raise ValidationError({"preparation": "No such dose preparation in this session."})
        if preparation.waste_ledger_entry_id is not None:
            raise ValidationError({"preparation": "The remainder of this vial has already been wasted."})
        witness = staff_member(actor, witness_id, "witness")
        reason = clean_reason(reason, max_chars=500)
    entry = ledger_actions.do_record_waste(
        actor,
        vial_id=preparation.vial_id,
        quantity_mg=quantity_mg,
        witness=witness,
        witness_password=witness_password if isinstance(witness_password, str) else "",
        reason=reason,
        patient=session.patient,
        treatment_session_id=session.pk,
    )
    with transaction.atomic():
        session = locked_session(actor, session_id)
        preparation = session.preparations.select_for_update().get(pk=preparation.pk)
        preparation.wasted_mg = -entry.quantity_mg
        preparation.waste_witness = witness
        preparation.waste_ledger_entry_id = entry.pk
        preparation.wasted_at = entry.occurred_at
        preparation.save(update_fields=["wasted_mg", "waste_witness", "waste_ledger_entry_id", "wasted_at"])
        audit_step(
            actor,
            session,
            preparation,
            quantity_mg=preparation.wasted_mg,
            witness=witness.pk,
            reason=reason,
            waste_ledger_entry=entry.pk,
        )
    return preparation


# ---------------------------------------------------------------- administration and devices


@transaction.atomic
def do_start_administration(actor, session_id: int) -> TreatmentSession:
    """Start the infusion / injection / lozenge (esketamine starts with its first device)."""
    session = locked_session(actor, session_id)
    if session.is_esketamine:
        raise ValidationError({"device": "Esketamine starts with the first device: record the device."})
    require_status(session, (SessionStatus.DOSING,), "start administration")
    move_status(session, SessionStatus.ADMINISTERING)
    session.administration_started_at = clock.now()
    session.administered_by = actor
    session.save(update_fields=["status", "administration_started_at", "administered_by"])
    audit_step(actor, session, action=AuditAction.STATUS_CHANGE, status="administering")
    return session


@transaction.atomic
def do_stop_administration(actor, session_id: int) -> TreatmentSession:
    session = locked_session(actor, session_id)
    require_status(session, (SessionStatus.ADMINISTERING,), "stop administration")
    if session.is_esketamine:
        raise ValidationError({"device": "Esketamine administration ends with its last device."})
    move_status(session, SessionStatus.OBSERVING)
    session.administration_stopped_at = clock.now()
    session.save(update_fields=["status", "administration_stopped_at"])
    audit_step(actor, session, action=AuditAction.STATUS_CHANGE, status="observing")
    return session


@transaction.atomic
def do_record_device(actor, session_id: int) -> SessionDevice:
    """One esketamine device used now; the next only after the 5-minute rest (CLINICAL.md §2)."""
    session = locked_session(actor, session_id)
    if not session.is_esketamine:
        raise ValidationError({"device": "Devices are for esketamine sessions."})
    require_status(session, (SessionStatus.DOSING, SessionStatus.ADMINISTERING), "record a device")
    _require_start_checks(session)
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
        move_status(session, SessionStatus.ADMINISTERING)
        session.administration_started_at = now
        session.administered_by = actor
        fields += ["status", "administration_started_at", "administered_by"]
    if device.sequence == planned:
        move_status(session, SessionStatus.OBSERVING)
        session.administration_stopped_at = now
        fields += ["status", "administration_stopped_at"]
    if fields:
        session.save(update_fields=sorted(set(fields)))
    audit_step(actor, session, device, action=AuditAction.CREATE, sequence=device.sequence, of=planned)
    return device
