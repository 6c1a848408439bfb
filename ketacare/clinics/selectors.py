"""Reads of organisations and their pages.

Public reads need no user but only ever return published pages and active
locations. Management reads are scoped to the user's own organisation: another
organisation's page is a 404, as if it did not exist.
"""

from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.clinics.models import ClinicPage, Location, Organisation


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
