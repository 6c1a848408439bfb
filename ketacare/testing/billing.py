"""Billing builders: the usual fee schedule and charge rules of a ketamine/esketamine clinic.

Written directly (the fee schedule's actions are tested in ketacare.billing), so any billing test can
ask for a priced clinic in one line. Prices are a clinic's own choice (self-pay), not from a source;
G2082/G2083 carry the 2026 Medicare rates named in docs/billing.md.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketacare.billing.models import (
    AuthorizationStatus,
    Charge,
    ChargeRule,
    ChargeTrigger,
    CodeSystem,
    Coverage,
    CoveragePriority,
    FeeScheduleItem,
    PackageOffer,
    Payer,
    PayerKind,
    PayerScope,
    PriorAuthorization,
    RefundPolicy,
    UnitsRule,
)
from ketacare.billing.starter import STARTER_FEE_ITEMS, STARTER_RULES
from ketacare.treatments.actions.discharge import do_sign_session
from ketacare.treatments.models import DosePreparation, SessionDevice, SessionStatus, TreatmentSession


def make_fee_item(
    organisation,
    actor,
    code: str,
    *,
    code_system: str = CodeSystem.CPT,
    description: str = "",
    price: str | Decimal = "100.00",
    units_rule: str = UnitsRule.PER_SERVICE,
    modifiers: str = "",
    location=None,
) -> FeeScheduleItem:
    return FeeScheduleItem.objects.create(
        organisation=organisation,
        location=location,
        code_system=code_system,
        code=code,
        modifiers=modifiers,
        description=description or f"Service {code}",
        self_pay_price=Decimal(price),
        units_rule=units_rule,
        created_by=actor,
    )


def make_charge_rule(organisation, trigger: str, fee_item, *, payer_scope: str = PayerScope.ANY, position: int = 0):
    return ChargeRule.objects.create(
        organisation=organisation, trigger=trigger, payer_scope=payer_scope, fee_item=fee_item, position=position
    )


def make_fee_schedule(organisation, actor, *, rules: bool = True) -> dict[str, FeeScheduleItem]:
    """The starter fee items (billing/starter.py) keyed by code, and with `rules` the usual charge rules."""
    items = {
        code: make_fee_item(
            organisation, actor, code, code_system=system, description=description, price=price, units_rule=units
        )
        for code, (system, description, price, units) in STARTER_FEE_ITEMS.items()
    }
    if rules:
        for trigger, scoped_codes in STARTER_RULES.items():
            for position, (scope, code) in enumerate(scoped_codes):
                make_charge_rule(organisation, trigger, items[code], payer_scope=scope, position=position)
    return items


def make_discharged_session(
    plan, location, nurse, prescriber, *, dose_mg=Decimal("35"), infusion_minutes=40, devices=2, start=None
) -> TreatmentSession:
    """A discharged session of `plan` (written directly; the charting is tested in ketacare.treatments):
    esketamine charts `devices` devices of 28 mg, other routes one dose of `dose_mg` given over
    `infusion_minutes`. Started three hours ago unless `start` says when."""
    start = start or timezone.now().replace(microsecond=0) - dt.timedelta(hours=3)
    esketamine = plan.template.drug == "esketamine"
    session = TreatmentSession.objects.create(
        organisation=location.organisation,
        location=location,
        patient=plan.patient,
        plan=plan,
        template=plan.template,
        route=plan.template.route,
        drug=plan.template.drug,
        status=SessionStatus.DISCHARGED,
        monitoring_clinician=nurse,
        checked_in_at=start - dt.timedelta(minutes=20),
        created_by=nurse,
        administration_started_at=start,
        administration_stopped_at=start + dt.timedelta(minutes=5 if esketamine else infusion_minutes),
        administered_by=nurse,
        discharged_at=start + dt.timedelta(minutes=125),
        discharged_by=nurse,
    )
    if esketamine:
        for sequence in range(1, devices + 1):
            SessionDevice.objects.create(
                session=session,
                sequence=sequence,
                recorded_by=nurse,
                administered_at=start + dt.timedelta(minutes=5 * (sequence - 1)),
            )
    else:
        DosePreparation.objects.create(
            session=session,
            vial_id=1,
            lot="LOT-KET-7",
            dose_mg=Decimal(dose_mg),
            drawn_by=nurse,
            checked_by=prescriber,
            drawn_at=start - dt.timedelta(minutes=5),
        )
    return session


def sign_session(session, nurse, prescriber) -> TreatmentSession:
    """Both signatures through the treatments action (the prescriber's last sends `session_signed`)."""
    do_sign_session(nurse, session.pk)
    do_sign_session(prescriber, session.pk)
    return TreatmentSession.objects.get(pk=session.pk)


def make_signed_session(plan, location, nurse, prescriber, **chart) -> TreatmentSession:
    """make_discharged_session(...) signed by nurse and prescriber: its charges are made by billing's receiver."""
    return sign_session(make_discharged_session(plan, location, nurse, prescriber, **chart), nurse, prescriber)


@pytest.fixture(name="make_discharged_session")
def make_discharged_session_fixture():
    """make_discharged_session(plan, location, nurse, prescriber, dose_mg=35, infusion_minutes=40, devices=2,
    start=None) -> a discharged session, not yet signed."""
    return make_discharged_session


@pytest.fixture(name="sign_session")
def sign_session_fixture():
    """sign_session(session, nurse, prescriber) -> the session signed by both (billing's receiver charges it)."""
    return sign_session


@pytest.fixture(name="make_fee_item")
def make_fee_item_fixture():
    """make_fee_item(org, actor, code, code_system="cpt", description="", price="100.00", units_rule="per_service",
    modifiers="", location=None) -> a fee schedule item."""
    return make_fee_item


@pytest.fixture(name="make_signed_session")
def make_signed_session_fixture():
    """make_signed_session(plan, location, nurse, prescriber, dose_mg=35, infusion_minutes=40, devices=2, start=None)
    -> a signed session (esketamine: `devices` × 28 mg; otherwise one dose over `infusion_minutes`)."""
    return make_signed_session


@pytest.fixture(name="make_fee_schedule")
def make_fee_schedule_fixture():
    """make_fee_schedule(org, actor, rules=True) -> {code: FeeScheduleItem} (STARTER_FEE_ITEMS, STARTER_RULES)."""
    return make_fee_schedule


@pytest.fixture
def fee_schedule(org, staff):
    """Harbor's usual fee schedule and charge rules, made by its clinic admin: {code: FeeScheduleItem}."""
    return make_fee_schedule(org, staff["clinic_admin"])


# --- Insurance (payers, coverage, prior authorisations), written directly: the actions are tested in billing.


def make_payer(
    organisation, *, name: str = "Aetna", kind: str = PayerKind.COMMERCIAL, payer_id: str = "60054"
) -> Payer:
    return Payer.objects.create(organisation=organisation, name=name, kind=kind, payer_id=payer_id)


def make_coverage(
    patient, payer, actor, *, priority: str = CoveragePriority.PRIMARY, member_id: str = "W123456789", **fields
) -> Coverage:
    return Coverage.objects.create(
        organisation=patient.organisation,
        patient=patient,
        payer=payer,
        member_id=member_id,
        priority=priority,
        created_at=timezone.now(),
        created_by=actor,
        **fields,
    )


def make_prior_authorization(
    coverage,
    actor,
    *,
    start_date: dt.date,
    end_date: dt.date,
    approved_sessions: int | None = 8,
    approved_units: int | None = None,
    service_code: str = "J0013",
    status: str = AuthorizationStatus.APPROVED,
    number: str = "PA-0001",
) -> PriorAuthorization:
    return PriorAuthorization.objects.create(
        organisation=coverage.organisation,
        patient=coverage.patient,
        coverage=coverage,
        number=number,
        status=status,
        service_code=service_code,
        approved_sessions=approved_sessions,
        approved_units=approved_units,
        start_date=start_date,
        end_date=end_date,
        requested_at=timezone.now(),
        recorded_by=actor,
    )


@pytest.fixture(name="make_payer")
def make_payer_fixture():
    """make_payer(org, name="Aetna", kind="commercial", payer_id="60054") -> a Payer."""
    return make_payer


@pytest.fixture(name="make_coverage")
def make_coverage_fixture():
    """make_coverage(patient, payer, actor, priority="P", member_id=..., **fields) -> an active Coverage."""
    return make_coverage


@pytest.fixture(name="make_prior_authorization")
def make_prior_authorization_fixture():
    """make_prior_authorization(coverage, actor, start_date=, end_date=, approved_sessions=8, approved_units=None,
    service_code="J0013", status="approved", number="PA-0001") -> a PriorAuthorization."""
    return make_prior_authorization


# --- Packages and charges on the patient's account (issue 18.3-18.4)


def make_package_offer(
    organisation,
    *,
    name: str = "IV induction, 6 infusions",
    covers_trigger: str = ChargeTrigger.SESSION_IV,
    sessions: int = 6,
    price: str | Decimal = "2700.00",
    validity_days: int = 90,
    refund_policy: str = RefundPolicy.UNUSED_SESSIONS_PRORATED,
) -> PackageOffer:
    """An offer written directly (do_create_package_offer is tested in ketacare.billing)."""
    return PackageOffer.objects.create(
        organisation=organisation,
        name=name,
        covers_trigger=covers_trigger,
        sessions_included=sessions,
        price=Decimal(price),
        validity_days=validity_days,
        refund_policy=refund_policy,
    )


def make_draft_charge(
    patient,
    actor,
    *,
    amount: str | Decimal = "495.00",
    trigger: str = ChargeTrigger.SESSION_IV,
    code: str = "KET-IV",
    service_date=None,
    location=None,
) -> Charge:
    """A draft charge as the signing hooks make one, written directly: finalise it with charges'
    do_finalise_charge (which posts it to the account and settles a package credit it drew)."""
    location = location or patient.organisation.locations.order_by("pk").first()
    return Charge.objects.create(
        organisation=patient.organisation,
        patient=patient,
        location=location,
        service_date=service_date or timezone.localdate(timezone=location.zone),
        code_system=CodeSystem.CLINIC,
        code=code,
        description="Ketamine infusion, self-pay",
        units=1,
        unit_price=Decimal(amount),
        amount=Decimal(amount),
        trigger=trigger,
        created_at=timezone.now(),
        created_by=actor,
    )


@pytest.fixture(name="make_package_offer")
def make_package_offer_fixture():
    """make_package_offer(org, name=..., covers_trigger=session_iv, sessions=6, price="2700.00", ...) -> offer."""
    return make_package_offer


@pytest.fixture(name="make_draft_charge")
def make_draft_charge_fixture():
    """make_draft_charge(patient, actor, amount="495.00", trigger=session_iv, ...) -> a draft Charge."""
    return make_draft_charge


@pytest.fixture
def aetna(org):
    """Harbor's commercial payer Aetna (payer id 60054)."""
    return make_payer(org)


@pytest.fixture
def aetna_coverage(patient, aetna, staff):
    """The patient's active primary coverage with Aetna (member W123456789), recorded by billing."""
    return make_coverage(patient, aetna, staff["billing"])
