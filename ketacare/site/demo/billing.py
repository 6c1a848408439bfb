"""The demo clinic's money (issue 18), through billing's actions as its staff would.

Three moments:
- `set_up_billing`, when the clinic opens: the billing identity (fictional NPI and EIN; the NPIs pass the
  check digit), the prescribers' NPIs, the fee schedule and the rules that turn signed care into charges
  (prices are the demo clinic's own; G2082/G2083 carry the 2026 Medicare rates, docs/billing.md), the
  "IV induction, 6 infusions" package, and three payers;
- `open_account`, as each past patient is registered: their diagnosis; Portland's esketamine patient is on
  Medicare Part B (benefits investigated), Boston's on a commercial plan with a benefits investigation, an
  approved prior authorisation for J0013 and the Spravato savings program as secondary coverage; the first
  IV patient at each location buys the induction package, which their sessions then draw down;
- `settle_the_year`, today: the past year's charges finalised (the last week's left as drafts to review),
  self-pay invoices issued and paid (cash, check, card; one partly), claims built and made ready; the
  older half of the claims sent in an 837P file and paid, the savings-program claims built after them; the
  rest ready to send.
"""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.billing.actions.accounts import do_issue_invoice, do_record_payment
from ketacare.billing.actions.charges import do_finalise_charges
from ketacare.billing.actions.claims import (
    do_build_claims,
    do_build_secondary_claim,
    do_change_claim_status,
    do_export_837p,
)
from ketacare.billing.actions.fees import (
    do_create_charge_rule,
    do_create_fee_item,
    do_set_provider_identity,
    do_update_billing_settings,
)
from ketacare.billing.actions.insurance import (
    do_add_coverage,
    do_create_payer,
    do_record_benefits_investigation,
    do_record_prior_authorization,
)
from ketacare.billing.actions.packages import do_create_package_offer, do_sell_package
from ketacare.billing.models import (
    Charge,
    ChargeStatus,
    ChargeTrigger,
    Claim,
    ClaimStatus,
    CoveragePriority,
    PackageOffer,
    Payer,
    PayerKind,
)
from ketacare.billing.selectors.accounts import patient_balance
from ketacare.billing.starter import STARTER_FEE_ITEMS, STARTER_RULES
from ketacare.patients.actions import do_add_diagnosis
from ketacare.patients.models import Patient
from ketacare.site.demo.organisation_and_staff import BOSTON, PORTLAND, DemoClinic

# Fictional identifiers: the NPIs satisfy the NPI check digit, the EIN and X12 ids are made up.
BILLING_SETTINGS = {
    "billing_name": "Harbor Ketamine Clinic",
    "billing_npi": "1234567893",
    "tax_id": "930000001",
    "taxonomy_code": "261QM0801X",
    "address_line": "200 Harbor Way, Suite 300",
    "city": "Portland",
    "region": "OR",
    "postal_code": "97201-1234",
    "phone": "+15035550100",
    "submitter_id": "HARBORDEMO",
    "receiver_id": "CLEARINGDEMO",
    "receiver_name": "Example Clearinghouse",
    "statement_message": "Questions about your bill? Call (503) 555-0100.",
}
PROVIDER_NPIS = {"prescriber": ("1245319599", "2084P0800X"), "prescriber2": ("1987654328", "363LP0808X")}
PACKAGE = {"name": "IV induction, 6 infusions", "sessions_included": 6, "price": "2400.00", "validity_days": 120}
MEDICARE, COMMERCIAL, SAVINGS = "Medicare Part B", "Cascade Health Plan", "Spravato savings program"
PAYERS = [
    {"name": MEDICARE, "kind": PayerKind.MEDICARE, "payer_id": "01312"},
    {"name": COMMERCIAL, "kind": PayerKind.COMMERCIAL, "payer_id": "CHP01", "city": "Seattle", "region": "WA"},
    {"name": SAVINGS, "kind": PayerKind.SAVINGS_PROGRAM, "payer_id": "SWM01"},
]
DIAGNOSIS = ("F33.2", "Major depressive disorder, recurrent, severe without psychotic features")
# Charges of the last days stay drafts for billing to review.
DRAFT_DAYS = 7
# What the payer paid of a sent claim, and what the savings program then covers of the rest.
PAID_SHARE = Decimal("0.80")


def set_up_billing(clinic: DemoClinic) -> None:
    admin = clinic.admin
    do_update_billing_settings(admin, **BILLING_SETTINGS)
    for username, (npi, taxonomy) in PROVIDER_NPIS.items():
        do_set_provider_identity(admin, clinic.users[username].pk, npi=npi, taxonomy_code=taxonomy)
    items = {
        code: do_create_fee_item(
            admin, code_system=system, code=code, description=description, self_pay_price=price, units_rule=units
        )
        for code, (system, description, price, units) in STARTER_FEE_ITEMS.items()
    }
    for trigger, scoped_codes in STARTER_RULES.items():
        for position, (scope, code) in enumerate(scoped_codes):
            do_create_charge_rule(
                admin, trigger=trigger, fee_item_id=items[code].pk, payer_scope=scope, position=position
            )
    do_create_package_offer(admin, covers_trigger=ChargeTrigger.SESSION_IV, **PACKAGE)
    for payer in PAYERS:
        do_create_payer(admin, **payer)


def _payer(clinic: DemoClinic, name: str) -> Payer:
    return Payer.objects.get(organisation=clinic.organisation, name=name)


def open_account(clinic: DemoClinic, patient: Patient, *, route: str, location_name: str, first_iv: bool) -> None:
    """At registration: the diagnosis the referral names, and the patient's insurance or package."""
    desk = clinic.front_desk
    _, prescriber = clinic.clinicians(location_name)
    do_add_diagnosis(prescriber, patient.pk, icd10_code=DIAGNOSIS[0], description=DIAGNOSIS[1])
    today = timezone.localdate(timezone=clinic.locations[location_name].zone)
    if route == "esketamine" and location_name == PORTLAND:
        coverage = do_add_coverage(
            desk,
            patient_id=patient.pk,
            payer_id=_payer(clinic, MEDICARE).pk,
            member_id=f"1EG4TE5MK{patient.pk % 100:02d}",
            start_date=today - dt.timedelta(days=400),
        )
        do_record_benefits_investigation(
            desk, coverage_id=coverage.pk, result="covered", deductible="257.00", reference="Noridian portal"
        )
    elif route == "esketamine" and location_name == BOSTON:
        coverage = do_add_coverage(
            desk,
            patient_id=patient.pk,
            payer_id=_payer(clinic, COMMERCIAL).pk,
            member_id=f"CHP{patient.pk:07d}",
            group_number="GRP-2210",
            start_date=today - dt.timedelta(days=400),
        )
        do_record_benefits_investigation(
            desk,
            coverage_id=coverage.pk,
            result="pa_required",
            copay="50.00",
            deductible="1500.00",
            deductible_met="1500.00",
            reference="Spravato withMe BI-DEMO",
        )
        do_record_prior_authorization(
            desk,
            coverage_id=coverage.pk,
            number=f"PA-{patient.pk:06d}",
            status="approved",
            service_code="J0013",
            approved_sessions=24,
            approved_units=2000,
            start_date=today,
            end_date=today + dt.timedelta(days=365),
        )
        do_add_coverage(
            desk,
            patient_id=patient.pk,
            payer_id=_payer(clinic, SAVINGS).pk,
            member_id=f"SWM{patient.pk:07d}",
            priority=CoveragePriority.SECONDARY,
            start_date=today - dt.timedelta(days=30),
        )
    elif first_iv:
        offer = PackageOffer.objects.get(organisation=clinic.organisation, name=PACKAGE["name"])
        do_sell_package(desk, patient.pk, offer_id=offer.pk)


def settle_the_year(clinic: DemoClinic, patients: list[Patient]) -> str:
    """Charges finalised, self-pay bills issued and paid, claims built, sent and paid, or ready."""
    billing, desk = clinic.users["billing"], clinic.front_desk
    organisation = clinic.organisation
    today = timezone.localdate(timezone=clinic.locations[PORTLAND].zone)
    drafts = Charge.objects.filter(
        organisation=organisation, status=ChargeStatus.DRAFT, service_date__lt=today - dt.timedelta(days=DRAFT_DAYS)
    )
    finalised = do_finalise_charges(billing, list(drafts.order_by("pk").values_list("pk", flat=True)))
    claims = do_build_claims(billing)
    insured = {claim.patient_id for claim in claims}
    for claim in claims:
        do_change_claim_status(billing, claim.pk, status=ClaimStatus.READY)
    # The older half of the claims went out in an 837P file and were paid; the rest are ready to send.
    days = sorted(_service_day(claim) for claim in claims)
    export = do_export_837p(billing, date_to=days[len(days) // 2 - 1]) if len(days) > 1 else None
    secondary = 0
    for claim in export.claims.all() if export else []:
        paid = (claim.total * PAID_SHARE).quantize(Decimal("0.01"))
        do_change_claim_status(billing, claim.pk, status=ClaimStatus.PAID, paid_amount=paid, note="Remittance (demo)")
        if claim.patient.coverages.filter(is_active=True, payer__kind=PayerKind.SAVINGS_PROGRAM).exists():
            savings_claim = do_build_secondary_claim(billing, claim.pk)
            do_change_claim_status(billing, savings_claim.pk, status=ClaimStatus.READY)
            secondary += 1
    invoices = 0
    for number, patient in enumerate(p for p in patients if p.pk not in insured):
        invoice = _invoice(desk, patient)
        if invoice is None:
            continue
        invoices += 1
        owed = patient_balance(patient)
        if owed > 0:
            method, reference = [("cash", ""), ("check", "1043"), ("card_terminal", "T-88120")][number % 3]
            amount = owed if number % 4 else (owed / 2).quantize(Decimal("0.01"))  # one in four pays half
            do_record_payment(
                desk, patient.pk, amount=amount, method=method, reference=reference, invoice_id=invoice.pk
            )
    ready = Claim.objects.filter(organisation=organisation, status=ClaimStatus.READY).count()
    return (
        f"{len(finalised)} charges finalised, {invoices} invoices, {len(claims) + secondary} claims "
        f"({ready} ready to export)"
    )


def _service_day(claim: Claim) -> dt.date:
    return claim.lines.order_by("line_number").first().charge.service_date


def _invoice(desk, patient: Patient):
    try:
        return do_issue_invoice(desk, patient.pk)
    except ValidationError:
        return None  # nothing billed since the last invoice
