"""One session's chart, access-checked: the choke point every read and every step goes through.

Organisation scoping: another organisation's session is 404; a role without SESSION_VIEW is 403.
Opening a session's chart is audited as a view of the patient's record.
"""

from django.db.models import QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.treatments.models import TreatmentSession

_RELATED = (
    "organisation",
    "location",
    "patient",
    "patient__organisation",
    "plan",
    "template",
    "appointment",
    "monitoring_clinician",
    "prescriber",
    "overridden_by",
    "administered_by",
    "discharged_by",
)


def visible_sessions(user) -> QuerySet[TreatmentSession]:
    """The sessions of the user's organisation (none for a user without one)."""
    require_permission(user, Permission.SESSION_VIEW)
    if user.organisation_id is None:
        return TreatmentSession.objects.none()
    return TreatmentSession.objects.filter(organisation_id=user.organisation_id).select_related(*_RELATED)


# What a charting step reads of the session it locks (treatments/actions/); the page's other joins would add
# their models' columns to a query that runs for every step (2,108 times in the demo's seed).
_LOCKED_RELATED = ("organisation", "location", "patient", "template", "plan")


def access_session_by_id(user, session_id: int, *, audit: bool = True, for_update: bool = False) -> TreatmentSession:
    sessions = visible_sessions(user)
    if for_update:
        sessions = sessions.select_related(None).select_related(*_LOCKED_RELATED).select_for_update(of=("self",))
    try:
        # get(), not first(): first() adds an ORDER BY, which Django compiles by hashing every selected column.
        session = sessions.get(pk=session_id)
    except TreatmentSession.DoesNotExist:
        raise Http404("No such treatment session") from None
    if audit:
        record_event(user, AuditAction.VIEW, session, patient=session.patient)
    return session
