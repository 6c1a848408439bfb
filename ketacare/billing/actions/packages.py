"""Prepaid packages ("IV induction, 6 infusions"): the offers a clinic sells, a sale to a patient, the credits
its sessions draw, and the refund of sessions left unused.

A sale posts its price to the patient's account (PACKAGE_SALE); a session's charge that a credit pays is
settled when the charge is finalised (charges.do_finalise_charge posts a PACKAGE_CREDIT payment of the
charge's amount). Credits are PackageCreditUse rows, append-only: +1 drawn by a charge, −1 given back when
the charge is voided, +n for sessions refunded. Credits left = sessions included − Σ uses, never below zero:
the sale's row is locked while a credit is drawn.
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.actions.accounts import locked_account_patient, post_entry, refundable_credit
from ketacare.billing.actions.money_input import clean_amount, clean_choice, clean_count
from ketacare.billing.domain.accounts import unused_sessions_value
from ketacare.billing.models import (
    AccountEntry,
    Charge,
    ChargeTrigger,
    EntryKind,
    PackageCreditUse,
    PackageOffer,
    PackageSale,
    PaymentMethod,
    RefundPolicy,
)
from ketacare.billing.selectors.fees import billing_settings_of
from ketacare.billing.selectors.insurance import patient_today
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason, clean_text

MAX_SESSIONS = 100
MAX_VALIDITY_DAYS = 3650
# How a refund of unused sessions may be paid out (package credit is not money).
REFUND_METHODS = (PaymentMethod.CASH, PaymentMethod.CHECK, PaymentMethod.CARD_TERMINAL, PaymentMethod.OTHER)


@transaction.atomic
def do_create_package_offer(
    actor,
    *,
    name: str,
    covers_trigger: str,
    sessions_included: int,
    price,
    validity_days: int = 90,
    refund_policy: str = RefundPolicy.UNUSED_SESSIONS_PRORATED,
    description: str = "",
) -> PackageOffer:
    """A package the clinic sells (billing set-up): sessions of one kind, a price, how long it is valid."""
    require_permission(actor, Permission.BILLING_SETUP)
    name = clean_text("name", name, required=True, max_chars=120)
    covers_trigger = clean_choice("covers_trigger", covers_trigger, ChargeTrigger)
    sessions_included = clean_count("sessions_included", sessions_included, low=1, high=MAX_SESSIONS)
    validity_days = clean_count("validity_days", validity_days, low=1, high=MAX_VALIDITY_DAYS)
    refund_policy = clean_choice("refund_policy", refund_policy, RefundPolicy)
    description = clean_text("description", description, max_chars=2000)
    price = clean_amount("price", price)
    if PackageOffer.objects.filter(organisation_id=actor.organisation_id, name=name, is_active=True).exists():
        raise ValidationError({"name": "An offer of this name is already on sale."})
    offer = PackageOffer.objects.create(
        organisation_id=actor.organisation_id,
        name=name,
        description=description,
        covers_trigger=covers_trigger,
        sessions_included=sessions_included,
        price=price,
        currency=billing_settings_of(actor.organisation).currency,
        validity_days=validity_days,
        refund_policy=refund_policy,
    )
    record_event(
        actor,
        AuditAction.CREATE,
        offer,
        detail={"name": name, "sessions": sessions_included, "price": str(price), "covers": covers_trigger},
    )
    return offer


@transaction.atomic
def do_retire_package_offer(actor, offer_id: int) -> PackageOffer:
    """Stop selling an offer; packages already sold keep their terms."""
    require_permission(actor, Permission.BILLING_SETUP)
    offer = (
        PackageOffer.objects.select_for_update()
        .filter(pk=db_id_or_zero(offer_id), organisation_id=actor.organisation_id)
        .first()
    )
    if offer is None:
        raise Http404("No such package offer")
    if not offer.is_active:
        raise ValidationError({"offer": "This offer is already retired."})
    offer.is_active = False
    offer.save(update_fields=["is_active"])
    record_event(actor, AuditAction.STATUS_CHANGE, offer, detail={"is_active": False})
    return offer


@transaction.atomic
def do_sell_package(actor, patient_id: int, *, offer_id: int) -> PackageSale:
    """Sell an offer to the patient: the sale keeps the offer's terms; its price is posted to the account.
    Valid for the offer's days from the patient's local today."""
    require_permission(actor, Permission.PAYMENTS_RECORD)
    patient = locked_account_patient(actor, patient_id)
    offer = PackageOffer.objects.filter(
        pk=db_id_or_zero(offer_id), organisation_id=actor.organisation_id, is_active=True
    ).first()
    if offer is None:
        raise ValidationError({"offer_id": "Choose a package the clinic sells."})
    now = timezone.now()
    sale = PackageSale.objects.create(
        organisation_id=patient.organisation_id,
        patient=patient,
        offer=offer,
        name=offer.name,
        covers_trigger=offer.covers_trigger,
        sessions_included=offer.sessions_included,
        price=offer.price,
        currency=offer.currency,
        refund_policy=offer.refund_policy,
        valid_until=patient_today(patient) + dt.timedelta(days=offer.validity_days),
        sold_at=now,
        sold_by=actor,
    )
    if offer.price > 0:  # a complimentary package moves no money
        post_entry(actor, patient, kind=EntryKind.PACKAGE_SALE, amount=offer.price, package_sale=sale)
    record_event(
        actor,
        AuditAction.CREATE,
        sale,
        patient=patient,
        detail={"offer": offer.pk, "name": offer.name, "price": str(offer.price), "valid_until": sale.valid_until},
    )
    return sale


def credits_used(sale: PackageSale) -> int:
    """Sessions drawn or refunded from the sale (Σ of its uses)."""
    return PackageCreditUse.objects.filter(sale=sale).aggregate(total=Sum("sessions"))["total"] or 0


def _net_use_of(charge: Charge) -> PackageCreditUse | None:
    """The use that drew a credit for `charge` and was not given back since, or None."""
    uses = list(PackageCreditUse.objects.filter(charge=charge).select_related("sale").order_by("recorded_at", "id"))
    if sum(use.sessions for use in uses) <= 0:
        return None
    return next(use for use in reversed(uses) if use.sessions > 0)


def apply_package_credit(actor, charge: Charge) -> PackageCreditUse | None:
    """Draw one credit for `charge` from the patient's oldest package that covers its trigger, is valid on
    its service date and has credits left; None when none does. Called inside charges' action (which
    checked the permission); calling it twice for one charge draws once."""
    if not charge.trigger:
        return None
    with transaction.atomic():
        drawn = _net_use_of(charge)
        if drawn is not None:
            return drawn
        candidates = PackageSale.objects.filter(
            patient_id=charge.patient_id,
            covers_trigger=charge.trigger,
            currency=charge.currency,
            valid_until__gte=charge.service_date,
        ).order_by("sold_at", "id")
        for sale_id in candidates.values_list("pk", flat=True):
            # The row lock serialises draws on one sale: two sessions signed at once never take the last credit twice.
            sale = PackageSale.objects.select_for_update().get(pk=sale_id)
            if credits_used(sale) >= sale.sessions_included:
                continue
            use = PackageCreditUse.objects.create(
                sale=sale, sessions=1, charge=charge, recorded_at=timezone.now(), recorded_by=actor
            )
            record_event(
                actor,
                AuditAction.CREATE,
                use,
                patient=charge.patient,
                detail={"sale": sale.pk, "charge": charge.pk, "sessions": 1},
            )
            return use
    return None


def return_package_credit(actor, charge: Charge, reason: str) -> PackageCreditUse | None:
    """Give back the credit `charge` drew (its charge was voided); None when it drew none."""
    reason = clean_reason(reason, max_chars=300)
    with transaction.atomic():
        drawn = _net_use_of(charge)
        if drawn is None:
            return None
        PackageSale.objects.select_for_update().get(pk=drawn.sale_id)
        use = PackageCreditUse.objects.create(
            sale=drawn.sale,
            sessions=-1,
            charge=charge,
            reason=reason,
            recorded_at=timezone.now(),
            recorded_by=actor,
        )
        record_event(
            actor,
            AuditAction.CREATE,
            use,
            patient=charge.patient,
            detail={"sale": drawn.sale_id, "charge": charge.pk, "sessions": -1, "reason": reason},
        )
        return use


@dataclass(frozen=True)
class UnusedSessionsRefund:
    sale: PackageSale
    sessions: int
    value: Decimal  # what the unused sessions were worth (lowers the package's charge)
    adjustment: AccountEntry | None
    refund: AccountEntry | None  # the money given back: the value, as far as the account holds it in credit


@transaction.atomic
def do_refund_unused_sessions(
    actor, sale_id: int, *, reason: str, method: str = PaymentMethod.CARD_TERMINAL, reference: str = ""
) -> UnusedSessionsRefund:
    """Close a package by its refund policy: its unused sessions leave it, their value (price per session,
    prorated) comes off the account as an adjustment, and the money is given back as far as the account then
    holds a credit (an unpaid package is simply not owed any more)."""
    require_permission(actor, Permission.PAYMENTS_ADJUST)
    reason = clean_reason(reason, max_chars=300)
    found = PackageSale.objects.filter(pk=db_id_or_zero(sale_id), organisation_id=actor.organisation_id).first()
    if found is None:
        raise ValidationError({"sale": "No such package."})
    patient = locked_account_patient(actor, found.patient_id)
    sale = PackageSale.objects.select_for_update().get(pk=found.pk)
    if sale.refund_policy == RefundPolicy.NO_REFUND:
        raise ValidationError({"sale": "This package's terms refund no unused sessions."})
    unused = sale.sessions_included - credits_used(sale)
    if unused <= 0:
        raise ValidationError({"sale": "No sessions of this package are left to refund."})
    method = clean_choice("method", method, REFUND_METHODS)
    reference = clean_text("reference", reference, max_chars=80)
    value = unused_sessions_value(sale.price, sale.sessions_included, unused)
    now = timezone.now()
    use = PackageCreditUse.objects.create(
        sale=sale, sessions=unused, reason=f"Unused sessions refunded: {reason}", recorded_at=now, recorded_by=actor
    )
    adjustment = refund = None
    if value > 0:
        adjustment = post_entry(
            actor,
            patient,
            kind=EntryKind.ADJUSTMENT,
            amount=-value,
            package_sale=sale,
            reason=f"{unused} unused session(s) of {sale.name}: {reason}",
        )
        payout = min(value, refundable_credit(patient))
        if payout > 0:
            refund = post_entry(
                actor,
                patient,
                kind=EntryKind.REFUND,
                amount=payout,
                package_sale=sale,
                method=method,
                reference=reference,
                reason=f"Unused sessions of {sale.name}: {reason}",
            )
    record_event(
        actor,
        AuditAction.CREATE,
        use,
        patient=patient,
        detail={
            "sale": sale.pk,
            "sessions": unused,
            "value": str(value),
            "refunded": str(refund.amount if refund else 0),
        },
    )
    return UnusedSessionsRefund(sale=sale, sessions=unused, value=value, adjustment=adjustment, refund=refund)
