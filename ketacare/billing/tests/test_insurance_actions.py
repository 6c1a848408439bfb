"""Writes of the insurance topic: who may, what is refused (naming the field, changing nothing), what is audited,
and the acquisition of a session's esketamine linked to the ledger receipt of that patient's shipment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from ketacare.audit.models import AuditEntry
from ketacare.billing.actions import insurance as actions
from ketacare.billing.models import (
    AcquisitionMode,
    AuthorizationStatus,
    BenefitsInvestigation,
    Coverage,
    CoveragePriority,
    Payer,
    PayerKind,
    PriorAuthorization,
    SessionAcquisition,
)
from ketacare.ledger.selectors import location_today
from ketacare.treatments.models import SessionStatus, TreatmentSession

pytestmark = pytest.mark.django_db


def refused(field: str, action, *args, **kwargs) -> str:
    """The message `action` raises on `field` (it must name that field)."""
    with pytest.raises(ValidationError) as caught:
        action(*args, **kwargs)
    assert field in caught.value.message_dict, caught.value.message_dict
    return " ".join(caught.value.message_dict[field])


@pytest.fixture
def payer(aetna):
    return aetna


@pytest.fixture
def coverage(aetna_coverage):
    return aetna_coverage


# ---------------------------------------------------------------- payers


def test_billing_sets_up_payers_and_front_desk_may_not(staff, other_staff):
    payer = actions.do_create_payer(staff["billing"], name="Medicare Part B", kind=PayerKind.MEDICARE, payer_id="00831")
    assert payer.organisation == staff["billing"].organisation
    with pytest.raises(PermissionDenied):
        actions.do_create_payer(staff["front_desk"], name="Cigna", kind=PayerKind.COMMERCIAL)
    # Another organisation's billing staff cannot reach it.
    refused("payer_id", actions.do_update_payer, other_staff["billing"], payer.pk, name="Renamed")
    updated = actions.do_update_payer(staff["clinic_admin"], payer.pk, is_active=False)
    assert updated.is_active is False and updated.name == "Medicare Part B"
    entry = AuditEntry.objects.filter(object_id=str(payer.pk), action="update").get()
    assert entry.detail["changes"] == {"is_active": ["True", "False"]}


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("name", {"name": " "}),
        ("kind", {"kind": "barter"}),
        ("payer_id", {"payer_id": "60-054"}),
        ("region", {"region": "Oregon"}),
        ("postal_code", {"postal_code": "ABC"}),
        ("name", {"name": "Aetna"}),  # taken
    ],
)
def test_bad_payer_input_names_the_field_and_changes_nothing(org, staff, payer, field, values):
    before = (Payer.objects.count(), AuditEntry.objects.count())
    refused(
        field, actions.do_create_payer, staff["billing"], **{"name": "Cigna", "kind": PayerKind.COMMERCIAL, **values}
    )
    assert (Payer.objects.count(), AuditEntry.objects.count()) == before


# ---------------------------------------------------------------- coverage


def test_front_desk_adds_a_patients_coverage_and_a_nurse_may_not(patient, payer, staff):
    coverage = actions.do_add_coverage(
        staff["front_desk"], patient_id=patient.pk, payer_id=payer.pk, member_id=" W987 ", group_number="G1"
    )
    assert (coverage.member_id, coverage.priority, coverage.is_active) == ("W987", "P", True)
    assert AuditEntry.objects.filter(object_id=str(coverage.pk), patient_id=patient.pk, action="create").exists()
    with pytest.raises(PermissionDenied):
        actions.do_add_coverage(staff["nurse"], patient_id=patient.pk, payer_id=payer.pk, member_id="X")


def test_a_savings_program_is_secondary_after_the_insurer(org, patient, payer, staff, make_payer):
    savings = make_payer(org, name="Spravato withMe savings", kind=PayerKind.SAVINGS_PROGRAM, payer_id="")
    message = refused(
        "priority",
        actions.do_add_coverage,
        staff["billing"],
        patient_id=patient.pk,
        payer_id=savings.pk,
        member_id="S1",
    )
    assert "secondary" in message
    actions.do_add_coverage(staff["billing"], patient_id=patient.pk, payer_id=payer.pk, member_id="W1")
    secondary = actions.do_add_coverage(
        staff["billing"],
        patient_id=patient.pk,
        payer_id=savings.pk,
        member_id="S1",
        priority=CoveragePriority.SECONDARY,
    )
    assert secondary.priority == CoveragePriority.SECONDARY


def test_ending_a_coverage_frees_its_priority(patient, payer, staff, coverage):
    refused(
        "priority", actions.do_add_coverage, staff["billing"], patient_id=patient.pk, payer_id=payer.pk, member_id="W2"
    )
    today = location_today(patient.organisation.locations.first())
    ended = actions.do_end_coverage(staff["billing"], coverage.pk, end_date=today)
    assert (ended.is_active, ended.end_date) == (False, today)
    refused("coverage_id", actions.do_end_coverage, staff["billing"], coverage.pk, end_date=today)
    assert actions.do_add_coverage(staff["billing"], patient_id=patient.pk, payer_id=payer.pk, member_id="W2").is_active


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("member_id", {"member_id": ""}),
        ("payer_id", {"payer_id": 10**30}),
        ("patient_id", {"patient_id": "1"}),
        ("priority", {"priority": "X"}),
        ("relationship", {"relationship": "cousin"}),
        ("subscriber_first_name", {"relationship": "01"}),  # a spouse's plan names the subscriber
        ("end_date", {"start_date": dt.date(2026, 5, 1), "end_date": dt.date(2026, 4, 1)}),
        ("start_date", {"start_date": "2026-05-01"}),
        ("member_id", {"member_id": "W\x00"}),
    ],
)
def test_bad_coverage_input_names_the_field_and_changes_nothing(patient, payer, staff, field, values):
    before = AuditEntry.objects.count()
    given = {"patient_id": patient.pk, "payer_id": payer.pk, "member_id": "W1", **values}
    refused(field, actions.do_add_coverage, staff["billing"], **given)
    assert (Coverage.objects.count(), AuditEntry.objects.count()) == (0, before)


def test_coverage_of_another_organisations_patient_or_payer_is_refused(
    patient, payer, staff, other_staff, other_org_patient
):
    refused(
        "patient_id",
        actions.do_add_coverage,
        staff["billing"],
        patient_id=other_org_patient.pk,
        payer_id=payer.pk,
        member_id="W1",
    )
    refused(
        "payer_id",
        actions.do_add_coverage,
        other_staff["billing"],
        patient_id=other_org_patient.pk,
        payer_id=payer.pk,
        member_id="W1",
    )
    assert Coverage.objects.count() == 0


# ---------------------------------------------------------------- benefits investigation


def test_a_benefits_investigation_records_the_payers_answer_in_cents(coverage, staff):
    investigation = actions.do_record_benefits_investigation(
        staff["billing"],
        coverage_id=coverage.pk,
        result="pa_required",
        copay="$0",
        coinsurance_percent=Decimal("20"),
        deductible="1,500.00",
        deductible_met=Decimal("250.50"),
        reference="Call ref 77",
    )
    assert (investigation.copay, investigation.deductible, investigation.currency) == (
        Decimal("0"),
        Decimal("1500.00"),
        "USD",
    )
    assert investigation.investigated_by == staff["billing"]


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("result", {"result": "maybe"}),
        ("copay", {"copay": "ten dollars"}),
        ("copay", {"copay": 12.5}),  # a float cannot say cents exactly
        ("coinsurance_percent", {"coinsurance_percent": Decimal("150")}),
        ("deductible_met", {"deductible": "100", "deductible_met": "200"}),
        ("coverage_id", {"coverage_id": 0}),
    ],
)
def test_bad_benefits_input_names_the_field_and_changes_nothing(coverage, staff, field, values):
    before = AuditEntry.objects.count()
    given = {"coverage_id": coverage.pk, "result": "covered", **values}
    refused(field, actions.do_record_benefits_investigation, staff["billing"], **given)
    assert (BenefitsInvestigation.objects.count(), AuditEntry.objects.count()) == (0, before)


# ---------------------------------------------------------------- prior authorisation


def test_a_prior_authorization_goes_from_pending_to_approved_with_every_change_audited(coverage, staff):
    pending = actions.do_record_prior_authorization(staff["billing"], coverage_id=coverage.pk, service_code="j0013")
    assert (pending.status, pending.service_code) == (AuthorizationStatus.PENDING, "J0013")
    refused("number", actions.do_update_prior_authorization, staff["billing"], pending.pk, status="approved")
    approved = actions.do_update_prior_authorization(
        staff["front_desk"],
        pending.pk,
        status="approved",
        number="PA-778",
        approved_sessions=8,
        start_date=dt.date(2026, 12, 1),
        end_date=dt.date(2027, 2, 28),
    )
    assert approved.status == AuthorizationStatus.APPROVED
    entry = AuditEntry.objects.filter(object_id=str(pending.pk), action="status_change").get()
    assert entry.detail["changes"]["status"] == ["pending", "approved"]
    assert entry.detail["changes"]["approved_sessions"] == ["None", "8"]


@pytest.mark.parametrize(
    ("field", "values"),
    [
        (
            "number",
            {
                "status": "approved",
                "start_date": dt.date(2026, 12, 1),
                "end_date": dt.date(2027, 1, 1),
                "approved_sessions": 4,
            },
        ),
        ("end_date", {"status": "approved", "number": "P", "start_date": dt.date(2026, 12, 1), "approved_sessions": 4}),
        (
            "approved_sessions",
            {"status": "approved", "number": "P", "start_date": dt.date(2026, 12, 1), "end_date": dt.date(2027, 1, 1)},
        ),
        ("end_date", {"start_date": dt.date(2026, 12, 1), "end_date": dt.date(2026, 11, 1)}),
        ("approved_sessions", {"approved_sessions": 0}),
        ("approved_units", {"approved_units": True}),
        ("service_code", {"service_code": "J00"}),
        ("status", {"status": "lost"}),
        ("visits_used", {"visits_used": 3}),
    ],
)
def test_bad_authorization_input_names_the_field_and_changes_nothing(coverage, staff, field, values):
    before = AuditEntry.objects.count()
    refused(field, actions.do_record_prior_authorization, staff["billing"], coverage_id=coverage.pk, **values)
    assert (PriorAuthorization.objects.count(), AuditEntry.objects.count()) == (0, before)


def test_another_organisation_cannot_touch_an_authorization(coverage, staff, other_staff):
    authorization = actions.do_record_prior_authorization(staff["billing"], coverage_id=coverage.pk)
    refused(
        "authorization_id", actions.do_update_prior_authorization, other_staff["billing"], authorization.pk, notes="x"
    )
    refused("coverage_id", actions.do_record_prior_authorization, other_staff["billing"], coverage_id=coverage.pk)
    with pytest.raises(PermissionDenied):
        actions.do_update_prior_authorization(staff["nurse"], authorization.pk, notes="x")


# ---------------------------------------------------------------- session acquisition


@pytest.fixture
def esketamine_stock(org, staff, portland, make_products, receive):
    """Two Spravato kits received at Portland (two receipts) and a ketamine vial."""
    ketamine, esketamine = make_products(staff["clinic_admin"])
    first = receive(staff["nurse"], portland, esketamine, lot="SP-1")[0]
    second = receive(staff["nurse"], portland, esketamine, lot="SP-2")[0]
    vial = receive(staff["nurse"], portland, ketamine, lot="K-1")[0]
    return {"first": first, "second": second, "ketamine": vial}


@pytest.fixture
def session(make_chart, patient):
    return make_chart(patient=patient)


def test_a_nurse_records_a_specialty_pharmacy_shipment_by_its_ledger_receipt(session, staff, esketamine_stock):
    receipt = esketamine_stock["first"]
    acquisition = actions.do_record_session_acquisition(
        staff["nurse"], session_id=session.pk, mode=AcquisitionMode.SPECIALTY_PHARMACY, shipment_receipt_id=receipt.pk
    )
    assert (acquisition.mode, acquisition.shipment_receipt_id) == (AcquisitionMode.SPECIALTY_PHARMACY, receipt.pk)
    # Billing corrects it later: the same row, the change audited with before and after.
    changed = actions.do_record_session_acquisition(
        staff["billing"], session_id=session.pk, mode=AcquisitionMode.BUY_AND_BILL
    )
    assert changed.pk == acquisition.pk and changed.shipment_receipt is None
    entry = AuditEntry.objects.filter(object_id=str(acquisition.pk), action="update").get()
    assert entry.detail["changes"]["mode"] == ["specialty_pharmacy", "buy_and_bill"]


def test_a_shipment_receipt_must_be_this_patients_esketamine_at_the_sessions_location(
    session, staff, esketamine_stock, make_chart, second_patient
):
    # The second receipt is another patient's shipment: named by that patient's session.
    other_session = make_chart(patient=second_patient)
    actions.do_record_session_acquisition(
        staff["nurse"],
        session_id=other_session.pk,
        mode=AcquisitionMode.SPECIALTY_PHARMACY,
        shipment_receipt_id=esketamine_stock["second"].pk,
    )
    before = (SessionAcquisition.objects.count(), AuditEntry.objects.count())
    for receipt in ("second", "ketamine"):
        refused(
            "shipment_receipt_id",
            actions.do_record_session_acquisition,
            staff["nurse"],
            session_id=session.pk,
            mode=AcquisitionMode.SPECIALTY_PHARMACY,
            shipment_receipt_id=esketamine_stock[receipt].pk,
        )
    refused(
        "shipment_receipt_id",
        actions.do_record_session_acquisition,
        staff["nurse"],
        session_id=session.pk,
        mode=AcquisitionMode.SPECIALTY_PHARMACY,
    )
    refused(
        "shipment_receipt_id",
        actions.do_record_session_acquisition,
        staff["nurse"],
        session_id=session.pk,
        mode=AcquisitionMode.BUY_AND_BILL,
        shipment_receipt_id=esketamine_stock["first"].pk,
    )
    refused("mode", actions.do_record_session_acquisition, staff["nurse"], session_id=session.pk, mode="gift")
    assert (SessionAcquisition.objects.count(), AuditEntry.objects.count()) == before


def test_acquisition_is_for_esketamine_sessions_of_ones_own_clinic_by_nurse_or_billing(session, staff, other_staff):
    with pytest.raises(PermissionDenied):
        actions.do_record_session_acquisition(staff["therapist"], session_id=session.pk, mode="buy_and_bill")
    refused(
        "session_id",
        actions.do_record_session_acquisition,
        other_staff["billing"],
        session_id=session.pk,
        mode="buy_and_bill",
    )
    TreatmentSession.objects.filter(pk=session.pk).update(drug="ketamine", route="iv")
    refused(
        "session_id",
        actions.do_record_session_acquisition,
        staff["billing"],
        session_id=session.pk,
        mode="buy_and_bill",
    )
    TreatmentSession.objects.filter(pk=session.pk).update(drug="esketamine", status=SessionStatus.CANCELLED)
    refused(
        "session_id",
        actions.do_record_session_acquisition,
        staff["billing"],
        session_id=session.pk,
        mode="buy_and_bill",
    )
    assert SessionAcquisition.objects.count() == 0


def test_the_database_refuses_an_acquisition_whose_receipt_does_not_fit_its_mode(session, staff, esketamine_stock):
    for mode, receipt in (
        (AcquisitionMode.BUY_AND_BILL, esketamine_stock["first"]),
        (AcquisitionMode.SPECIALTY_PHARMACY, None),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            SessionAcquisition.objects.create(
                session=session,
                mode=mode,
                shipment_receipt=receipt,
                recorded_at=timezone.now(),
                recorded_by=staff["nurse"],
            )
