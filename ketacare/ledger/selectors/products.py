"""Reads of the ledger's set-up: products, DEA registrations and the clinic's ledger settings."""

from django.db.models import QuerySet

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.clinics.models import Location
from ketacare.ledger.models import LedgerSettings, Product, Registration


def products(user, *, active_only: bool = False) -> QuerySet[Product]:
    """The organisation's products; `active_only`: those that can still be received."""
    require_permission(user, Permission.LEDGER_VIEW)
    found = Product.objects.filter(organisation_id=user.organisation_id)
    if active_only:
        found = found.filter(is_active=True)
    return found.order_by("name")


def registrations(user) -> QuerySet[Registration]:
    """The DEA registrations of the organisation's locations."""
    require_permission(user, Permission.LEDGER_REPORT)
    return Registration.objects.filter(location__organisation_id=user.organisation_id).select_related("location")


def registration_of(user, location: Location) -> Registration | None:
    """The location's DEA registration, if one is recorded."""
    require_permission(user, Permission.LEDGER_VIEW)
    return Registration.objects.filter(location=location, location__organisation_id=user.organisation_id).first()


def ledger_settings(user) -> LedgerSettings:
    """The organisation's ledger settings (the defaults until first changed), for its settings page."""
    require_permission(user, Permission.LEDGER_REPORT)
    return LedgerSettings.for_organisation(user.organisation_id)
