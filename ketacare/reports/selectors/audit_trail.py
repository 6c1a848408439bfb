"""Access-checked reads of the organisation's audit trail, for clinic admins.

Rules, one per line so each is tested:
- reading the trail needs AUDIT_VIEW (clinic admins);
- an admin sees only entries of their own organisation;
- a patient's own history is patients.selectors.access_patient_audit_entries.

Reading the trail is itself audited (list). A listing returns only entries written before its own
audit entry, so a page never lists itself.
"""

import datetime as dt
from dataclasses import asdict, dataclass

from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.chains import verify_audit
from ketacare.audit.checkpoints import CheckpointError, configured_checkpoint
from ketacare.audit.domain.chain import ChainReport
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.patients.domain.records import record_number_from_query
from ketacare.patients.selectors import AUDIT_OBJECT_TYPE, AuditListing, display_zone, entries_for_display


@dataclass(frozen=True)
class AuditFilters:
    """What an admin narrows the trail to; dates are whole days in the display zone."""

    action: str = ""
    actor: str = ""
    record_number: str = ""
    object_type: str = ""
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    def validate(self) -> None:
        errors: dict[str, str] = {}
        if self.action and self.action not in AuditAction.values:
            errors["action"] = "Choose one of the listed actions."
        for field in ("actor", "record_number", "object_type"):
            if "\x00" in getattr(self, field):
                errors[field] = "Remove the null character from this field."
        if self.date_from and self.date_to and self.date_to < self.date_from:
            errors["date_to"] = "The end date is before the start date."
        if errors:
            raise ValidationError(errors)

    def as_detail(self) -> dict[str, str]:
        """The filters that were set, for the audit entry of the search."""
        return {key: str(value) for key, value in asdict(self).items() if value}


def _organisation_entries(user) -> QuerySet[AuditEntry]:
    if user.organisation_id is None:
        # filter(organisation_id=None) would match every entry without an organisation.
        return AuditEntry.objects.none()
    return AuditEntry.objects.filter(organisation_id=user.organisation_id)


def _start_of_day(day: dt.date, zone: dt.tzinfo, *, days_later: int = 0) -> dt.datetime | None:
    """Midnight of `day` (+ days_later) in `zone`, as UTC.

    None beyond the range datetime can hold: such a bound excludes nothing.
    """
    try:
        return dt.datetime.combine(day + dt.timedelta(days=days_later), dt.time.min, tzinfo=zone).astimezone(dt.UTC)
    except OverflowError:
        return None


def _filtered(entries: QuerySet[AuditEntry], filters: AuditFilters, zone: dt.tzinfo) -> QuerySet[AuditEntry]:
    if filters.action:
        entries = entries.filter(action=filters.action)
    if filters.actor:
        entries = entries.filter(actor_username__icontains=filters.actor)
    if filters.record_number:
        entries = entries.filter(patient__record_number=record_number_from_query(filters.record_number))
    if filters.object_type:
        entries = entries.filter(object_type__icontains=filters.object_type)
    if filters.date_from and (start := _start_of_day(filters.date_from, zone)):
        entries = entries.filter(occurred_at__gte=start)
    if filters.date_to and (end := _start_of_day(filters.date_to, zone, days_later=1)):
        entries = entries.filter(occurred_at__lt=end)
    return entries


def access_audit_entries(user, filters: AuditFilters | None = None) -> AuditListing:
    """The organisation's audit entries, newest first, narrowed by `filters` (audited as a list)."""
    require_permission(user, Permission.AUDIT_VIEW)
    filters = filters or AuditFilters()
    filters.validate()
    display = display_zone(user)
    entries = _filtered(_organisation_entries(user), filters, display.zone)
    read = record_event(
        user,
        AuditAction.LIST,
        object_type=AUDIT_OBJECT_TYPE,
        detail={"filters": filters.as_detail()},
    )
    return AuditListing(entries_for_display(entries, read), display)


@dataclass(frozen=True)
class AuditVerification:
    """The organisation's chain checked, against the configured checkpoint when there is one."""

    report: ChainReport
    checkpoint_label: str = ""  # when the checkpoint compared with was taken
    checkpoint_problem: str = ""  # why the configured checkpoint could not be used


def verify_audit_chain(user) -> AuditVerification:
    """The same check as `ketacare audit verify`, for the user's organisation's chain."""
    require_permission(user, Permission.AUDIT_VIEW)
    checkpoint, problem = None, ""
    try:
        checkpoint = configured_checkpoint("audit")
    except CheckpointError as exc:
        problem = str(exc)
    [(_, report)] = verify_audit(checkpoint, organisation_ids=[user.organisation_id])
    return AuditVerification(report, checkpoint.label if checkpoint else "", problem)
