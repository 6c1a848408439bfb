"""Reads of organisations and their pages.

Public reads need no user but only ever return published pages and active
locations. Management reads are scoped to the user's own organisation: another
organisation's page is a 404, as if it did not exist.
"""

from dataclasses import dataclass

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import ClinicPage, Location, Organisation
from ketacare.lib.fixed_reads import FixedRead
from ketacare.lib.ids import db_id_or_zero
from ketacare.outbox.models import SAFETY_KINDS, MessageStatus, OutgoingMessage


@dataclass(frozen=True)
class PublicClinic:
    organisation: Organisation
    locations: list[Location]
    pages: list[ClinicPage]


def published_pages(organisation: Organisation) -> list[ClinicPage]:
    return list(organisation.pages.filter(is_published=True))


def access_public_clinic_by_slug(org_slug: str) -> PublicClinic:
    """An organisation's public face: contact, active locations, published pages."""
    organisation = get_object_or_404(Organisation, slug=org_slug)
    return PublicClinic(
        organisation=organisation,
        locations=list(organisation.locations.filter(is_active=True)),
        pages=published_pages(organisation),
    )


def access_public_page_by_slug(org_slug: str, page_slug: str) -> ClinicPage:
    """One published page; unpublished and unknown pages are both 404."""
    return get_object_or_404(
        ClinicPage.objects.select_related("organisation"),
        organisation__slug=org_slug,
        slug=page_slug,
        is_published=True,
    )


def _own_organisation_id(user) -> int:
    if user.organisation_id is None:
        raise Http404("You do not belong to an organisation")
    return user.organisation_id


def access_pages_for_editing(user) -> list[ClinicPage]:
    """All of the user's organisation's pages, published or not."""
    require_permission(user, Permission.CLINIC_PAGES_EDIT)
    return list(ClinicPage.objects.filter(organisation_id=_own_organisation_id(user)))


def access_page_for_editing_by_id(user, page_id: int) -> ClinicPage:
    require_permission(user, Permission.CLINIC_PAGES_EDIT)
    return get_object_or_404(
        ClinicPage.objects.select_related("organisation"),
        pk=page_id,
        organisation_id=_own_organisation_id(user),
    )


def access_organisation_for_settings(user) -> Organisation:
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    return get_object_or_404(Organisation, pk=_own_organisation_id(user))


def access_locations_for_managing(user) -> list[Location]:
    """The organisation's locations, open ones first, for the clinic admin's locations page."""
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    return list(Location.objects.filter(organisation_id=_own_organisation_id(user)).order_by("-is_active", "name"))


def access_location_for_managing_by_id(user, location_id: int) -> Location:
    """One location of the user's organisation, open or archived; another organisation's is a 404."""
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    location = (
        Location.objects.select_related("organisation")
        .filter(pk=db_id_or_zero(location_id), organisation_id=_own_organisation_id(user))
        .first()
    )
    if location is None:
        raise Http404("No such location")
    return location


# ---- mail that did not go out (the outbox) ------------------------------------------------------

MAIL_PAGE_LIMIT = 200


def _mail_of(organisation_id, *, safety_only: bool):
    mail = OutgoingMessage.objects.filter(organisation_id=organisation_id)
    return mail.filter(kind__in=SAFETY_KINDS) if safety_only else mail


def _visible_mail(user):
    """The organisation's mail this user may see: safety mail, or every kind for clinic admins."""
    require_permission(user, Permission.OUTBOX_VIEW)
    return _mail_of(user.organisation_id, safety_only=not user_may(user, Permission.OUTBOX_VIEW_ALL))


def _failed_mail_count_read(*, safety_only: bool) -> FixedRead:
    return FixedRead(
        OutgoingMessage,
        lambda organisation_id: (
            _mail_of(organisation_id, safety_only=safety_only)
            .filter(status=MessageStatus.FAILED)
            .order_by()
            .values("organisation_id")
            .annotate(failed=Count("pk"))
            .values_list("failed")
        ),
        organisation_id=int,
    )


# The navigation's badge is on every page of clinic admins and prescribers, and building its COUNT from a queryset
# cost fifteen times the database's answer (0.34 ms against 0.02 ms, issue 19): its SQL is built once per
# connection (lib/fixed_reads.py), 0.04 ms a page, and every page still asks the database.
_FAILED_MAIL_COUNTS = {safety_only: _failed_mail_count_read(safety_only=safety_only) for safety_only in (False, True)}


def failed_mail_count(user) -> int:
    """For the navigation: one COUNT of mail failed for good, not audited (a number)."""
    if user.organisation_id is None:  # mail of no organisation (`IS NULL`): a query of another shape
        return _visible_mail(user).filter(status=MessageStatus.FAILED).count()
    require_permission(user, Permission.OUTBOX_VIEW)
    safety_only = not user_may(user, Permission.OUTBOX_VIEW_ALL)
    rows = _FAILED_MAIL_COUNTS[safety_only].rows(organisation_id=user.organisation_id)
    return rows[0][0] if rows else 0


def mail_needing_attention(user) -> list[OutgoingMessage]:
    """Failed for good, or retrying after a failure, newest first (audited as a list)."""
    troubled = Q(status=MessageStatus.FAILED) | Q(
        status__in=[MessageStatus.PENDING, MessageStatus.SENDING], attempts__gt=0
    )
    messages = list(_visible_mail(user).filter(troubled).order_by("-created_at", "-id")[:MAIL_PAGE_LIMIT])
    record_event(
        user,
        AuditAction.LIST,
        object_type="outbox.outgoingmessage",
        organisation=user.organisation,
        detail={"needing_attention": len(messages)},
    )
    return messages


def access_outgoing_message_by_id(user, message_id: int) -> OutgoingMessage:
    message = _visible_mail(user).filter(pk=db_id_or_zero(message_id)).first()
    if message is None:
        raise Http404("No such email")
    return message
