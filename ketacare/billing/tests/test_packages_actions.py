"""Packages: offers, a sale posted to the account, credits drawn by charges (never below zero, once per
charge), given back on a void, and the refund of unused sessions by the package's policy."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ketacare.billing.actions import packages as actions
from ketacare.billing.actions.charges import do_finalise_charge, do_void_charge
from ketacare.billing.models import (
    AccountEntry,
    ChargeTrigger,
    EntryKind,
    PackageCreditUse,
    PackageOffer,
    PackageSale,
    PaymentMethod,
    RefundPolicy,
)
from ketacare.billing.selectors.accounts import account_totals_of, package_balances, patient_balance


@pytest.fixture
def offer(org, make_package_offer):
    return make_package_offer(org, sessions=3, price="1500.00")


def test_clinic_admin_creates_an_offer_and_bad_input_names_the_field(staff):
    admin = staff["clinic_admin"]
    offer = actions.do_create_package_offer(
        admin, name="IV induction, 6 infusions", covers_trigger="session_iv", sessions_included=6, price="2,700.00"
    )
    assert (offer.price, offer.sessions_included, offer.currency) == (Decimal("2700.00"), 6, "USD")
    for field, values in (
        ("price", {"price": "12.345"}),
        ("price", {"price": 0.1}),
        ("covers_trigger", {"covers_trigger": "massage"}),
        ("sessions_included", {"sessions_included": 0}),
        ("name", {"name": "IV induction, 6 infusions"}),  # already on sale
    ):
        kwargs = {"name": "Other", "covers_trigger": "session_iv", "sessions_included": 6, "price": "100"} | values
        with pytest.raises(ValidationError) as caught:
            actions.do_create_package_offer(admin, **kwargs)
        assert field in caught.value.message_dict
    assert PackageOffer.objects.count() == 1
    with pytest.raises(PermissionDenied):
        actions.do_create_package_offer(
            staff["front_desk"], name="X", covers_trigger="session_iv", sessions_included=1, price="1"
        )


def test_selling_posts_the_price_and_keeps_the_terms(staff, patient, offer):
    sale = actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=offer.pk)
    offer.price = Decimal("9999.00")
    offer.save()
    sale.refresh_from_db()
    assert sale.price == Decimal("1500.00") and sale.sessions_included == 3
    entry = AccountEntry.objects.get(patient=patient)
    assert (entry.kind, entry.amount, entry.package_sale_id) == (EntryKind.PACKAGE_SALE, Decimal("1500.00"), sale.pk)
    assert patient_balance(patient) == Decimal("1500.00")


def test_selling_is_refused_to_nurses_and_for_another_organisations_patient(staff, patient, other_org_patient, offer):
    with pytest.raises(PermissionDenied):
        actions.do_sell_package(staff["nurse"], patient.pk, offer_id=offer.pk)
    from django.http import Http404

    with pytest.raises(Http404):
        actions.do_sell_package(staff["front_desk"], other_org_patient.pk, offer_id=offer.pk)
    with pytest.raises(ValidationError):
        actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=offer.pk + 999)
    assert not PackageSale.objects.exists() and not AccountEntry.objects.exists()


def test_credits_are_drawn_oldest_first_once_per_charge_and_never_below_zero(staff, patient, offer, make_draft_charge):
    desk, billing = staff["front_desk"], staff["billing"]
    first = actions.do_sell_package(desk, patient.pk, offer_id=offer.pk)
    second = actions.do_sell_package(desk, patient.pk, offer_id=offer.pk)
    uses = []
    for _ in range(6):
        charge = make_draft_charge(patient, billing)
        uses.append(actions.apply_package_credit(staff["prescriber"], charge))
        assert actions.apply_package_credit(staff["prescriber"], charge) == uses[-1]  # once per charge
    assert [use.sale_id for use in uses] == [first.pk] * 3 + [second.pk] * 3
    assert actions.apply_package_credit(staff["prescriber"], make_draft_charge(patient, billing)) is None
    assert [balance.left for balance in package_balances(patient)] == [0, 0]
    # Another kind of session, or a session after the package expired, draws nothing.
    assert actions.apply_package_credit(desk, make_draft_charge(patient, billing, trigger="session_esketamine")) is None


def test_expired_package_covers_no_later_session(staff, patient, offer, make_draft_charge):
    sale = actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=offer.pk)
    late = make_draft_charge(
        patient, staff["billing"], service_date=sale.valid_until.replace(year=sale.valid_until.year + 1)
    )
    assert actions.apply_package_credit(staff["prescriber"], late) is None


def test_a_finalised_session_paid_by_credit_owes_nothing_and_a_void_gives_the_credit_back(
    staff, patient, offer, make_draft_charge
):
    billing = staff["billing"]
    sale = actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=offer.pk)
    charge = make_draft_charge(patient, billing, amount="495.00")
    actions.apply_package_credit(staff["prescriber"], charge)
    do_finalise_charge(billing, charge.pk)
    credit = AccountEntry.objects.get(charge=charge, kind=EntryKind.PAYMENT)
    assert (credit.method, credit.amount) == (PaymentMethod.PACKAGE_CREDIT, Decimal("-495.00"))
    assert patient_balance(patient) == Decimal("1500.00")  # only the package itself is owed
    assert package_balances(patient)[0].left == 2
    do_void_charge(billing, charge.pk, "Charted on the wrong patient")
    assert package_balances(patient)[0].left == 3
    assert list(PackageCreditUse.objects.filter(sale=sale).values_list("sessions", flat=True)) == [1, -1]
    assert patient_balance(patient) == Decimal("1500.00")
    assert actions.return_package_credit(billing, charge, "again") is None  # nothing left to give back


def test_unused_sessions_are_refunded_prorated_and_paid_out_from_the_credit(staff, patient, offer, make_draft_charge):
    from ketacare.billing.actions.accounts import do_record_payment

    sale = actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=offer.pk)
    do_record_payment(staff["front_desk"], patient.pk, amount="1500.00", method="card_terminal", reference="T-1")
    actions.apply_package_credit(staff["prescriber"], make_draft_charge(patient, staff["billing"]))
    with pytest.raises(PermissionDenied):
        actions.do_refund_unused_sessions(staff["front_desk"], sale.pk, reason="Moving away")
    with pytest.raises(ValidationError) as caught:
        actions.do_refund_unused_sessions(staff["billing"], sale.pk, reason="")
    assert "reason" in caught.value.message_dict
    refund = actions.do_refund_unused_sessions(staff["billing"], sale.pk, reason="Moving away", method="card_terminal")
    assert (refund.sessions, refund.value) == (2, Decimal("1000.00"))
    assert refund.adjustment.amount == Decimal("-1000.00") and refund.refund.amount == Decimal("1000.00")
    assert package_balances(patient)[0].left == 0 and package_balances(patient)[0].refunded == 2
    assert patient_balance(patient) == Decimal("0.00")
    assert account_totals_of(patient).reconciles
    with pytest.raises(ValidationError):
        actions.do_refund_unused_sessions(staff["billing"], sale.pk, reason="Twice")


def test_an_unpaid_package_refund_pays_nothing_out_and_no_refund_policy_refuses(
    staff, patient, org, make_package_offer
):
    prorated = make_package_offer(org, name="Three", sessions=3, price="100.00")
    sale = actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=prorated.pk)
    refund = actions.do_refund_unused_sessions(staff["billing"], sale.pk, reason="Changed mind")
    assert refund.value == Decimal("100.00") and refund.refund is None
    assert patient_balance(patient) == Decimal("0.00")
    final = make_package_offer(org, name="Final sale", refund_policy=RefundPolicy.NO_REFUND)
    final_sale = actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=final.pk)
    with pytest.raises(ValidationError, match="refund no unused"):
        actions.do_refund_unused_sessions(staff["billing"], final_sale.pk, reason="Please")


def test_retired_offer_is_not_sold(staff, patient, offer):
    actions.do_retire_package_offer(staff["billing"], offer.pk)
    with pytest.raises(ValidationError) as caught:
        actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=offer.pk)
    assert "offer_id" in caught.value.message_dict
    assert ChargeTrigger.SESSION_IV == offer.covers_trigger
