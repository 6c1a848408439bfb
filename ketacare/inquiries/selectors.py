"""Access-checked reads of consultation requests for the staff inbox. Every read is audited.

Rules, one per line so each is tested:
- only roles with INQUIRY_VIEW read requests (others: PermissionDenied, 403);
- staff see only their own organisation's requests;
- anything else is a 404, so request numbers do not leak.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.paginator import Page, Paginator
from django.db.models import Count, QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.inquiries.models import LISTED_WINDOWS, Inquiry, InquiryStatus, ListedWindow, PreferredWindow
from ketacare.lib.fixed_reads import FixedRead
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


class InboxListing(NamedTuple):
    """One request as the inbox page lists it: its columns, two of what it joins, and its windows earliest first."""

    id: int
    status: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    phone: str
    email: str
    time_zone: str
    reasons: list[str]
    reason_other: str
    submission_count: int
    submitted_at: dt.datetime
    preferred_location_name: str | None
    patient_record_number: str | None
    windows: list[ListedWindow]


# The columns of InboxListing before its windows, in its order.
_LISTING_COLUMNS = (
    "id",
    "status",
    "first_name",
    "last_name",
    "date_of_birth",
    "phone",
    "email",
    "time_zone",
    "reasons",
    "reason_other",
    "submission_count",
    "submitted_at",
    "preferred_location__name",
    "patient__record_number",
)


def access_inquiry_inbox(user, *, status: str | None = None, page_number=1) -> Inbox:
    """One page of the organisation's requests as models (the API's InquiryOut reads them), newest first; an
    unknown status shows all.

    Three queries whatever the page holds (counts, rows, windows) plus one audit entry for the listing:
    the tabs' counts give the paginator its count.
    """

    def requests(status: str | None) -> QuerySet[Inquiry]:
        listed = _own_inquiries(user) if status is None else _own_inquiries(user).filter(status=status)
        return (
            listed.select_related("preferred_location", "patient").only(*_INBOX_FIELDS).order_by("-submitted_at", "-pk")
        )

    return _inbox(user, status, page_number, requests, _attach_windows)


def access_inquiry_inbox_listings(user, *, status: str | None = None, page_number=1) -> Inbox:
    """The inbox page: what access_inquiry_inbox reads, the requests as InboxListing values (no models), by
    SQL compiled once per connection (below). Three queries and one audit entry, as there."""

    def requests(status: str | None) -> "_ListingPages | list":
        if user.organisation_id is None:
            return []
        if status is None:
            return _ListingPages(_LISTINGS, {"organisation_id": user.organisation_id})
        return _ListingPages(_LISTINGS_WITH_STATUS, {"organisation_id": user.organisation_id, "status": status})

    def with_windows(rows: list[tuple]) -> list[InboxListing]:
        windows = _listed_windows([row[0] for row in rows])
        return [InboxListing(*row, windows[row[0]]) for row in rows]

    return _inbox(user, status, page_number, requests, with_windows)


def _inbox(user, status: str | None, page_number, requests: Callable[[str | None], Any], finish: Callable) -> Inbox:
    """The page `page_number` of `requests(status)` (sliced by the paginator), `finish`ed, with the tabs' counts;
    the listing audited."""
    require_permission(user, Permission.INQUIRY_VIEW)
    if status not in InquiryStatus.values:
        status = None
    counts = _status_counts(user)
    tabs = [StatusTab(value, label, counts.get(value, 0)) for value, label in InquiryStatus.choices]
    paginator = Paginator(requests(status), INBOX_PAGE_SIZE)
    paginator.count = counts.get(status, 0) if status else sum(counts.values())
    page = paginator.get_page(page_number)
    page.object_list = finish(list(page.object_list))
    record_event(
        user,
        AuditAction.LIST,
        object_type="inquiries.inquiry",
        organisation=user.organisation,
        detail={"status": status or "all", "page": page.number, "results": len(page.object_list)},
    )
    return Inbox(page=page, status=status, tabs=tabs)


def _status_counts(user) -> dict[str, int]:
    """The organisation's requests per status (statuses without any are missing)."""
    if user.organisation_id is None:
        return {}
    return dict(_STATUS_COUNTS.rows(organisation_id=user.organisation_id))


# ------------------------------------------------------------------ the inbox's reads, built once per connection
#
# Every visit to the inbox runs the same reads (the counts per status, a page of requests, their windows), and
# building their SQL from querysets cost more than the database's answer (issue 19): each is a FixedRead.


def _own_of(organisation_id: int) -> QuerySet[Inquiry]:
    return Inquiry.objects.filter(organisation_id=organisation_id)


_STATUS_COUNTS = FixedRead(
    Inquiry,
    lambda organisation_id: _own_of(organisation_id).order_by().values_list("status").annotate(n=Count("id")),
    organisation_id=int,
)
_LISTINGS = FixedRead(
    Inquiry,
    lambda organisation_id: _own_of(organisation_id).order_by("-submitted_at", "-pk").values_list(*_LISTING_COLUMNS),
    organisation_id=int,
)
_LISTINGS_WITH_STATUS = FixedRead(
    Inquiry,
    lambda organisation_id, status: (
        _own_of(organisation_id).filter(status=status).order_by("-submitted_at", "-pk").values_list(*_LISTING_COLUMNS)
    ),
    organisation_id=int,
    status=str,
)
# One parameter per request of a page: a page with fewer requests repeats its last id in the places left (the
# same windows, once), so the SQL keeps its shape.
_WINDOW_INQUIRIES = tuple(f"inquiry_{place}" for place in range(INBOX_PAGE_SIZE))
_WINDOWS = FixedRead(
    PreferredWindow,
    lambda **inquiry_ids: (
        PreferredWindow.objects.filter(inquiry_id__in=list(inquiry_ids.values()))
        .order_by("starts_at", "pk")
        .values_list("inquiry_id", "starts_at", "ends_at")
    ),
    **dict.fromkeys(_WINDOW_INQUIRIES, int),
)


class _ListingPages:
    """The rows of a listing read (_LISTING_COLUMNS), as the paginator slices them: one page, one query."""

    def __init__(self, read: FixedRead, values: dict[str, Any]):
        self.read, self.values = read, values

    def __getitem__(self, page: slice) -> list:
        return self.read.rows_between(page.start, page.stop, **self.values)


def _listed_windows(inquiry_ids: list[int]) -> dict[int, list[ListedWindow]]:
    """The windows of up to a page of requests, earliest first, two times each, by request."""
    windows: dict[int, list[ListedWindow]] = {inquiry_id: [] for inquiry_id in inquiry_ids}
    if inquiry_ids:
        padded = inquiry_ids + inquiry_ids[-1:] * (len(_WINDOW_INQUIRIES) - len(inquiry_ids))
        for inquiry_id, starts_at, ends_at in _WINDOWS.rows(**dict(zip(_WINDOW_INQUIRIES, padded, strict=True))):
            windows[inquiry_id].append(ListedWindow(starts_at, ends_at))
    return windows


def _attach_windows(inquiries: list[Inquiry]) -> list[Inquiry]:
    """Gives each request its windows, earliest first (Inquiry.preferred_windows), in one query of two times per
    window: the prefetch it replaces built a model per window and cost half as much again (issue 19)."""
    windows = _listed_windows([inquiry.pk for inquiry in inquiries])
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
