"""Closing the record: discharge once every criterion is met, the nurse's and the prescriber's
signatures (both lock the record), and addenda to a signed record."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.models import AuditAction
from ketacare.lib.text import clean_text
from ketacare.scheduling.actions.booking import complete_appointment
from ketacare.scheduling.models import AppointmentStatus
from ketacare.treatments import clock
from ketacare.treatments.actions.common import audit_step, locked_session, move_status, require_status
from ketacare.treatments.hooks import session_signed
from ketacare.treatments.models import (
    DischargeAssessment,
    SessionAddendum,
    SessionSignature,
    SessionStatus,
    SignerRole,
    TreatmentSession,
)
from ketacare.treatments.selectors.chart import access_session_by_id
from ketacare.treatments.selectors.discharge import discharge_gaps


@transaction.atomic
def do_discharge(
    actor,
    session_id: int,
    *,
    alert: bool,
    walking_steadily: bool,
    accompanied_home: bool,
    escort_name: str = "",
    note: str = "",
) -> TreatmentSession:
    """Discharge once every criterion is met; otherwise refused naming each missing one (nothing saved)."""
    session = locked_session(actor, session_id)
    require_status(session, (SessionStatus.OBSERVING,), "discharge")
    answers = (("alert", alert), ("walking_steadily", walking_steadily), ("accompanied_home", accompanied_home))
    for field, value in answers:
        if not isinstance(value, bool):
            raise ValidationError({field: "Answer yes or no."})
    escort_name = clean_text("escort_name", escort_name, max_chars=200)
    note = clean_text("note", note)
    if accompanied_home and not escort_name:
        raise ValidationError({"escort_name": "Name who is taking the patient home."})
    now = clock.now()
    gaps = discharge_gaps(
        session, alert=alert, walking_steadily=walking_steadily, accompanied_home=accompanied_home, now=now
    )
    if gaps:
        raise ValidationError(gaps)
    DischargeAssessment.objects.create(
        session=session,
        alert=alert,
        walking_steadily=walking_steadily,
        accompanied_home=accompanied_home,
        escort_name=escort_name,
        note=note,
        assessed_by=actor,
        assessed_at=now,
    )
    move_status(session, SessionStatus.DISCHARGED)
    session.discharged_at = now
    session.discharged_by = actor
    session.save(update_fields=["status", "discharged_at", "discharged_by"])
    audit_step(
        actor,
        session,
        action=AuditAction.STATUS_CHANGE,
        status="discharged",
        escort_name=escort_name,
        monitoring_minutes=session.monitoring_minutes,
    )
    live = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)
    if session.appointment_id and session.appointment.status in live:
        complete_appointment(actor, session.appointment)
    return session


@transaction.atomic
def do_sign_session(actor, session_id: int) -> SessionSignature:
    """The nurse's or the prescriber's signature; with both, the record is locked."""
    session = locked_session(actor, session_id)
    require_status(session, (SessionStatus.DISCHARGED,), "sign")
    role = SignerRole.PRESCRIBER if user_may(actor, Permission.SESSION_OVERRIDE) else SignerRole.NURSE
    if session.signatures.filter(role=role).exists():
        raise ValidationError({"signature": f"The {role.label.lower()} has already signed."})
    now = clock.now()
    signature = SessionSignature.objects.create(session=session, role=role, signed_by=actor, signed_at=now)
    audit_step(actor, session, signature, action=AuditAction.CREATE, role=role)
    if session.signatures.count() == len(SignerRole):
        if role == SignerRole.PRESCRIBER:
            session.prescriber = actor
        move_status(session, SessionStatus.SIGNED)
        session.signed_at = now
        session.save(update_fields=["status", "signed_at", "prescriber"])
        audit_step(actor, session, action=AuditAction.STATUS_CHANGE, status="signed")
        session_signed.send(sender=TreatmentSession, session=session, actor=actor)
    return signature


@transaction.atomic
def do_add_addendum(actor, session_id: int, *, text: str) -> SessionAddendum:
    """A correction or addition to a signed record (the only write it accepts)."""
    require_permission(actor, Permission.SESSION_CHART)
    session = access_session_by_id(actor, session_id, audit=False, for_update=True)
    if session.status != SessionStatus.SIGNED:
        raise ValidationError({"text": "Only a signed record takes addenda; correct the chart directly."})
    text = clean_text("text", text, required=True, max_chars=5000)
    addendum = SessionAddendum.objects.create(session=session, text=text, written_by=actor, written_at=clock.now())
    audit_step(actor, session, addendum, action=AuditAction.CREATE, addendum=True)
    return addendum
