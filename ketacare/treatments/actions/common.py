"""What every charting step shares: the locked session, its status, a colleague, the audit entry.

The session row is locked (select_for_update) for each step, so two tablets charting the same
session apply their steps one after the other. A signed session refuses every step except an
addendum (discharge.py).
"""

from django.core.exceptions import ValidationError

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import colleague_by_id
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.treatments.domain.status import can_move
from ketacare.treatments.models import SessionStatus, TreatmentSession
from ketacare.treatments.selectors.chart import access_session_by_id


def locked_session(actor, session_id: int, permission: Permission = Permission.SESSION_CHART) -> TreatmentSession:
    """The session, locked for this transaction; refused when signed."""
    require_permission(actor, permission)
    session = access_session_by_id(actor, session_id, audit=False, for_update=True)
    if session.status == SessionStatus.SIGNED:
        raise ValidationError({"session": "This session is signed and locked; write an addendum instead."})
    return session


def require_status(session: TreatmentSession, allowed, step: str) -> None:
    if session.status not in allowed:
        raise ValidationError({"status": f"Cannot {step} while the session is {session.get_status_display().lower()}."})


def move_status(session: TreatmentSession, new: str) -> str:
    """Set the session's new status (the caller saves it); the old one is returned."""
    old = session.status
    if not can_move(old, new):
        raise ValidationError({"status": f"A {session.get_status_display().lower()} session cannot become {new}."})
    session.status = new
    return old


def chosen_id(value, field: str, prompt: str) -> int:
    """The id of what was chosen, given as a number or as text (a form's choice); anything else is
    ValidationError({field: prompt}). An id no row has is the caller's lookup to refuse."""
    if isinstance(value, bool):
        raise ValidationError({field: prompt})
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: prompt}) from None


def staff_member(actor, user_id, field: str):
    """An active colleague of the actor (the ledger checks they may co-sign)."""
    user = colleague_by_id(actor, chosen_id(user_id, field, "Choose a colleague."))
    if user is None:
        raise ValidationError({field: "Choose a colleague of this clinic."})
    return user


def audit_step(actor, session: TreatmentSession, obj=None, *, action=AuditAction.UPDATE, **detail) -> None:
    """One audit entry for a step: on `obj` (default the session), always naming the session."""
    record_event(actor, action, obj or session, patient=session.patient, detail={"session": session.pk, **detail})
