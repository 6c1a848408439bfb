"""Access-checked reads of consultation requests for the staff inbox. Every read is audited.

Rules, one per line so each is tested:
- only roles with INQUIRY_VIEW read requests (others: PermissionDenied, 403);
- staff see only their own organisation's requests;
- anything else is a 404, so request numbers do not leak.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.inquiries.models import LISTED_WINDOWS, Inquiry, InquiryStatus, ListedWindow, PreferredWindow
from ketacare.lib.ids import is_db_id

INBOX_PAGE_SIZE = 25
# A request's own columns and, of what it joins, what the inbox and the API's InquiryOut show: building a query
# costs per selected column (issue 19), and the patient's record has thirty of which the inbox shows one.
_INBOX_FIELDS = (
    *(field.name for field in Inquiry._meta.concrete_fields),
    "preferred_location__name",
    "preferred_location__time_zone",
    "patient__record_number",
)


@dataclass(frozen=True)
class StatusTab:
    status: str
    label: str
    count: int


@dataclass(frozen=True)
class Inbox:
    page: Page
    status: str | None
    tabs: list[StatusTab]

    @property
    def total(self) -> int:
        return sum(tab.count for tab in self.tabs)


def first_location(locations: Iterable[Location]) -> Location | None:
    """The organisation's first location: windows without a preferred location are read in its zone.

    The oldest active one, so renaming sites never moves that zone.
    """
    return min(locations, key=lambda location: location.pk, default=None)


def _own_inquiries(user) -> QuerySet[Inquiry]:
    require_permission(user, Permission.INQUIRY_VIEW)
    if user.organisation_id is None:
        return Inquiry.objects.none()
    return Inquiry.objects.filter(organisation_id=user.organisation_id)


def access_inquiry_inbox(user, *, status: str | None = None, page_number=1) -> Inbox:
    """One page of the organisation's requests, newest first; an unknown status shows all.

    Three queries whatever the page holds (counts, rows, windows) plus one audit entry for the listing:
    the tabs' counts give the paginator its count.
    """
    inquiries = _own_inquiries(user)
    if status not in InquiryStatus.values:
        status = None
    counts = dict(inquiries.order_by().values_list("status").annotate(n=Count("id")))
    tabs = [StatusTab(value, label, counts.get(value, 0)) for value, label in InquiryStatus.choices]
    listed = inquiries if status is None else inquiries.filter(status=status)
    listed = (
        listed.select_related("preferred_location", "patient").only(*_INBOX_FIELDS).order_by("-submitted_at", "-pk")
    )
    paginator = Paginator(listed, INBOX_PAGE_SIZE)
    paginator.count = counts.get(status, 0) if status else sum(counts.values())
    page = paginator.get_page(page_number)
    page.object_list = _attach_windows(list(page.object_list))
    record_event(
        user,
        AuditAction.LIST,
        object_type="inquiries.inquiry",
        organisation=user.organisation,
        detail={"status": status or "all", "page": page.number, "results": len(page.object_list)},
    )
    return Inbox(page=page, status=status, tabs=tabs)


def _attach_windows(inquiries: list[Inquiry]) -> list[Inquiry]:
    """Gives each request its windows, earliest first (Inquiry.preferred_windows), in one query of two times per
    window: the prefetch it replaces built a model per window and cost half as much again (issue 19)."""
    windows: dict[int, list[ListedWindow]] = {inquiry.pk: [] for inquiry in inquiries}
    if windows:
        rows = (
            PreferredWindow.objects.filter(inquiry_id__in=windows)
            .order_by("starts_at", "pk")
            .values_list("inquiry_id", "starts_at", "ends_at")
        )
        for inquiry_id, starts_at, ends_at in rows:
            windows[inquiry_id].append(ListedWindow(starts_at, ends_at))
    for inquiry in inquiries:
        setattr(inquiry, LISTED_WINDOWS, windows[inquiry.pk])
    return inquiries


def access_inquiry_by_id(user, inquiry_id: int, *, audit: bool = True) -> Inquiry:
    """One of the organisation's requests (audited as a view); 404 for anyone else's."""
    inquiries = _own_inquiries(user)
    if not is_db_id(inquiry_id):
        raise Http404("No such consultation request")
    inquiry = (
        inquiries.select_related("organisation", "preferred_location", "patient")
        .prefetch_related("windows")
        .filter(pk=inquiry_id)
        .first()
    )
    if inquiry is None:
        raise Http404("No such consultation request")
    if audit:
        record_event(user, AuditAction.VIEW, inquiry, organisation=inquiry.organisation, patient=inquiry.patient)
    return inquiry
