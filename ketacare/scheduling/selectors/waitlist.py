"""Access-checked reads of the waitlist (SCHEDULE_WAITLIST, the user's own organisation only)."""

from django.db.models import QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.patients.models import Patient
from ketacare.scheduling.models import WaitlistEntry


def visible_waitlist_entries(user) -> QuerySet[WaitlistEntry]:
    require_permission(user, Permission.SCHEDULE_WAITLIST)
    return (
        WaitlistEntry.objects.filter(organisation_id=user.organisation_id)
        .select_related("patient", "appointment_type", "course", "plan")
        .prefetch_related("locations")
    )


def list_waitlist(user, *, status: str | None = WaitlistEntry.Status.WAITING) -> list[WaitlistEntry]:
    entries = visible_waitlist_entries(user)
    if status:
        entries = entries.filter(status=status)
    result = list(entries.order_by("created_at", "id"))
    record_event(user, AuditAction.LIST, object_type="scheduling.waitlistentry", detail={"count": len(result)})
    return result


def access_waitlist_entry(user, entry_id: int, *, for_update: bool = False) -> WaitlistEntry:
    entries = visible_waitlist_entries(user)
    if for_update:
        entries = entries.select_for_update(of=("self",))
    entry = entries.filter(pk=entry_id).first()
    if entry is None:
        raise Http404("No such waitlist entry")
    return entry


def patient_by_record_number(user, record_number: str) -> Patient | None:
    """The clinic's patient with this record number, to put on the waitlist; None when there is none."""
    require_permission(user, Permission.SCHEDULE_WAITLIST)
    return Patient.objects.filter(
        organisation_id=user.organisation_id, record_number=record_number, merged_into__isnull=True
    ).first()
