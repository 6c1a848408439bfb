"""Claims builders: an organisation ready to send 837P files, insured patients, and final charges.

Final charges are written directly, as billing's charges action posts them (a Charge in status final and
its AccountEntry of kind charge), so claims can be tested apart from the charges code.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketacare.billing.models import (
    AccountEntry,
    BillingSettings,
    Charge,
    ChargeStatus,
    CodeSystem,
    CoveragePriority,
    EntryKind,
    PayerKind,
    ProviderBillingIdentity,
)
from ketacare.testing.billing import make_coverage, make_payer

# Valid NPIs (the check digit holds): CMS's worked example for the clinic, another for the prescriber.
CLINIC_NPI = "1234567893"
PRESCRIBER_NPI = "1245319599"


def make_billing_settings(organisation, **changes) -> BillingSettings:
    """Everything an 837P needs of the organisation (billing/domain/x12_837p.py setup_problems)."""
    values = {
        "billing_name": f"{organisation.name} Clinic",
        "billing_npi": CLINIC_NPI,
        "tax_id": "123456789",
        "taxonomy_code": "261QM0801X",
        "address_line": "100 Harbor Way",
        "city": "Portland",
        "region": "OR",
        "postal_code": "97201-1234",
        "phone": "+15035550100",
        "submitter_id": "HARBOR01",
        "receiver_id": "CLEARING01",
        "receiver_name": "Example Clearinghouse",
    }
    values.update(changes)
    settings, _ = BillingSettings.objects.update_or_create(organisation=organisation, defaults=values)
    return settings


def make_provider_identity(user, npi: str = PRESCRIBER_NPI, taxonomy_code: str = "2084P0800X"):
    identity, _ = ProviderBillingIdentity.objects.update_or_create(
        user=user, defaults={"npi": npi, "taxonomy_code": taxonomy_code}
    )
    return identity


def insure(
    patient, payer, actor, *, member_id: str = "1EG4TE5MK73", priority: str = CoveragePriority.PRIMARY, **fields
):
    """An active coverage of `patient` by `payer`; the patient gets an address and a sex at birth, which a
    claim needs."""
    if not patient.address_line:
        patient.address_line, patient.city, patient.region, patient.postal_code = (
            "12 Elm Street",
            "Portland",
            "OR",
            "97201",
        )
        patient.sex_at_birth = patient.sex_at_birth or "female"
        patient.save(update_fields=["address_line", "city", "region", "postal_code", "sex_at_birth"])
    return make_coverage(patient, payer, actor, member_id=member_id, priority=priority, **fields)


def make_final_charge(
    patient,
    location,
    actor,
    code: str = "G2083",
    amount: str | Decimal = "1289.82",
    *,
    service_date: dt.date,
    units: str | Decimal = "1",
    code_system: str = CodeSystem.HCPCS,
    modifiers: str = "",
    diagnosis_codes=("F33.2",),
    rendering_provider=None,
    prior_authorization=None,
) -> Charge:
    """A final charge and its account entry (what finalising a charge posts)."""
    now = timezone.now()
    charge = Charge.objects.create(
        organisation=patient.organisation,
        patient=patient,
        location=location,
        service_date=service_date,
        code_system=code_system,
        code=code,
        modifiers=modifiers,
        description=f"Service {code}",
        units=Decimal(units),
        unit_price=Decimal(amount) / Decimal(units),
        amount=Decimal(amount),
        diagnosis_codes=list(diagnosis_codes),
        rendering_provider=rendering_provider,
        prior_authorization=prior_authorization,
        status=ChargeStatus.FINAL,
        created_at=now,
        created_by=actor,
        finalised_at=now,
        finalised_by=actor,
    )
    AccountEntry.objects.create(
        organisation=patient.organisation,
        patient=patient,
        kind=EntryKind.CHARGE,
        amount=charge.amount,
        charge=charge,
        posted_at=now,
        posted_by=actor,
    )
    return charge


@pytest.fixture(name="make_final_charge")
def make_final_charge_fixture():
    """make_final_charge(patient, location, actor, code="G2083", amount="1289.82", service_date=..., units=1,
    diagnosis_codes=("F33.2",), rendering_provider=None, prior_authorization=None) -> a final, posted charge."""
    return make_final_charge


@pytest.fixture(name="insure")
def insure_fixture():
    """insure(patient, payer, actor, member_id=..., priority="P", **coverage fields) -> an active Coverage."""
    return insure


@pytest.fixture
def claims_ready_org(org, staff):
    """Harbor with complete billing settings and its prescriber's NPI: what an 837P file needs."""
    make_billing_settings(org)
    make_provider_identity(staff["prescriber"])
    return org


@pytest.fixture
def medicare(org):
    """Harbor's Medicare Part B payer."""
    return make_payer(org, name="Medicare Part B", kind=PayerKind.MEDICARE, payer_id="01212")
