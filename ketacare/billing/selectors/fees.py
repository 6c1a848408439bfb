"""Reads of the fee schedule, charge rules, billing identity and providers' NPIs (the caller's organisation only)."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.permissions import require_permission
from ketacare.billing.models import BillingSettings, ChargeRule, FeeScheduleItem, ProviderBillingIdentity
from ketacare.lib.ids import db_id_or_zero

# Who renders care a claim names: the prescriber of a session or consultation, the therapist of a therapy note.
RENDERING_ROLES = (Role.PRESCRIBER, Role.THERAPIST)


def fee_items_for(user, *, include_inactive: bool = False) -> QuerySet[FeeScheduleItem]:
    require_permission(user, Permission.BILLING_VIEW)
    items = FeeScheduleItem.objects.filter(organisation_id=user.organisation_id).select_related("location")
    return items if include_inactive else items.filter(is_active=True)


def access_fee_item_by_id(user, item_id: int) -> FeeScheduleItem:
    item = fee_items_for(user, include_inactive=True).filter(pk=db_id_or_zero(item_id)).first()
    if item is None:
        raise Http404("No such fee schedule item")
    return item


def charge_rules_for(user, *, include_inactive: bool = False) -> QuerySet[ChargeRule]:
    require_permission(user, Permission.BILLING_VIEW)
    rules = ChargeRule.objects.filter(organisation_id=user.organisation_id).select_related("fee_item")
    return rules if include_inactive else rules.filter(is_active=True)


def access_charge_rule_by_id(user, rule_id: int) -> ChargeRule:
    rule = charge_rules_for(user, include_inactive=True).filter(pk=db_id_or_zero(rule_id)).first()
    if rule is None:
        raise Http404("No such charge rule")
    return rule


def billing_settings_of(organisation) -> BillingSettings:
    """The organisation's billing identity; unsaved defaults until the clinic fills it in."""
    return BillingSettings.objects.filter(organisation=organisation).first() or BillingSettings(
        organisation=organisation
    )


def access_billing_settings(user) -> BillingSettings:
    require_permission(user, Permission.BILLING_VIEW)
    return billing_settings_of(user.organisation)


def rendering_providers_for(user) -> QuerySet:
    """The organisation's prescribers and therapists, with their NPI when recorded."""
    require_permission(user, Permission.BILLING_VIEW)
    return (
        get_user_model()
        .objects.filter(organisation_id=user.organisation_id, role__in=RENDERING_ROLES, is_active=True)
        .select_related("billing_identity")
        .order_by("last_name", "first_name", "pk")
    )


def access_rendering_provider_by_id(user, user_id: int):
    provider = rendering_providers_for(user).filter(pk=db_id_or_zero(user_id)).first()
    if provider is None:
        raise Http404("No such prescriber or therapist")
    return provider


def provider_identity_of(provider) -> ProviderBillingIdentity | None:
    return ProviderBillingIdentity.objects.filter(user=provider).first()
