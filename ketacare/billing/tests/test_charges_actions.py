"""Charges from signed care (the three signing hooks) and billing's edits, finalisation and voids."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from ketacare.billing.actions import charges as actions
from ketacare.billing.models import (
    AccountEntry,
    Charge,
    ChargeStatus,
    ChargeTrigger,
    Coverage,
    EntryKind,
    PackageCreditUse,
    PackageOffer,
    PackageSale,
    Payer,
    PayerKind,
    PaymentMethod,
)
from ketacare.consultations.actions import do_sign_consultation_note
from ketacare.consultations.models import ConsultationNote
from ketacare.patients.models import Diagnosis
from ketacare.therapy.actions import do_sign_progress_note
from ketacare.therapy.models import ProgressNote
from ketacare.treatments.actions.discharge import do_sign_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def esketamine(patient, staff, make_treatment_plan):
    return make_treatment_plan(patient, "esketamine-nasal", staff["prescriber"])


@pytest.fixture
def iv_plan(patient, staff, make_treatment_plan):
    return make_treatment_plan(patient, "iv-racemic-ketamine", staff["prescriber"])


@pytest.fixture
def diagnosed(patient, staff):
    Diagnosis.objects.create(patient=patient, icd10_code="F33.2", description="MDD", recorded_by=staff["prescriber"])
    Diagnosis.objects.create(
        patient=patient, icd10_code="F41.1", description="GAD", status="resolved", recorded_by=staff["prescriber"]
    )
    return patient


def cover(patient, actor, kind):
    payer = Payer.objects.create(organisation=patient.organisation, name=f"{kind} payer", kind=kind)
    return Coverage.objects.create(
        organisation=patient.organisation,
        patient=patient,
        payer=payer,
        member_id="1EG4-TE5-MK72",
        created_at=timezone.now(),
        created_by=actor,
    )


@pytest.fixture
def sign(sign_session):
    """sign(session, staff): the nurse's and the prescriber's signatures."""
    return lambda session, staff: sign_session(session, staff["nurse"], staff["prescriber"])


def codes(**source):
    return [(c.code, c.units, c.amount) for c in Charge.objects.filter(**source).order_by("pk")]


def test_signed_esketamine_session_makes_its_charges_once(
    esketamine, portland, staff, fee_schedule, diagnosed, audit_entries, make_discharged_session, sign
):
    session = make_discharged_session(esketamine, portland, staff["nurse"], staff["prescriber"], devices=2)
    sign(session, staff)
    charges = list(Charge.objects.filter(treatment_session=session).order_by("pk"))
    assert [(c.code, c.units, c.amount) for c in charges] == [
        ("J0013", Decimal("56"), Decimal("672.00")),  # one unit per mg charted, $12.00 per mg
        ("99214", 1, Decimal("180.00")),
    ]
    first = charges[0]
    assert first.status == ChargeStatus.DRAFT and first.trigger == ChargeTrigger.SESSION_ESKETAMINE
    assert first.rendering_provider == staff["prescriber"]  # the signing prescriber
    assert first.diagnosis_codes == ["F33.2"]  # active diagnoses only
    assert first.service_date == session.checked_in_at.astimezone(portland.zone).date()
    assert first.location == portland and first.created_by == staff["prescriber"]
    created = audit_entries(action="create", object_type="billing.charge")
    assert len(created) == 2 and created[0].patient_id == session.patient_id
    # The hook again (a second receiver, a retry): nothing more.
    session.refresh_from_db()
    assert actions.charges_for_signed_session(staff["prescriber"], session) == []
    assert Charge.objects.filter(treatment_session=session).count() == 2


@pytest.mark.parametrize(("devices", "code"), [(2, "G2082"), (3, "G2083")])
def test_medicare_esketamine_session_is_g2082_or_g2083_by_dose(
    esketamine, portland, staff, fee_schedule, devices, code, make_discharged_session, sign
):
    cover(esketamine.patient, staff["billing"], PayerKind.MEDICARE)
    session = make_discharged_session(esketamine, portland, staff["nurse"], staff["prescriber"], devices=devices)
    sign(session, staff)
    price = {"G2082": Decimal("906.51"), "G2083": Decimal("1289.82")}[code]
    assert codes(treatment_session=session) == [(code, 1, price)]


def test_unsigned_session_makes_no_charge(esketamine, portland, staff, fee_schedule, make_discharged_session):
    session = make_discharged_session(esketamine, portland, staff["nurse"], staff["prescriber"])
    do_sign_session(staff["nurse"], session.pk)  # the nurse alone: not yet signed
    assert not Charge.objects.exists()


def test_no_fee_schedule_no_charge_and_the_signing_stands(esketamine, portland, staff, make_discharged_session, sign):
    session = make_discharged_session(esketamine, portland, staff["nurse"], staff["prescriber"])
    sign(session, staff)
    session.refresh_from_db()
    assert session.status == "signed" and not Charge.objects.exists()


def test_insured_iv_session_bills_96366_from_the_infusion_length(
    iv_plan, portland, staff, fee_schedule, make_discharged_session, sign
):
    cover(iv_plan.patient, staff["billing"], PayerKind.COMMERCIAL)
    session = make_discharged_session(iv_plan, portland, staff["nurse"], staff["prescriber"], infusion_minutes=100)
    sign(session, staff)
    assert [c[:2] for c in codes(treatment_session=session)] == [("96365", 1), ("96366", 1), ("99214", 1)]


def test_location_price_wins_over_the_clinic_wide_price(
    iv_plan, portland, staff, fee_schedule, make_discharged_session, sign, make_fee_item
):
    make_fee_item(
        portland.organisation, staff["clinic_admin"], "KET-IV", code_system="clinic", price="525.00", location=portland
    )
    session = make_discharged_session(iv_plan, portland, staff["nurse"], staff["prescriber"])
    sign(session, staff)
    assert codes(treatment_session=session) == [("KET-IV", 1, Decimal("525.00"))]


def test_signed_consultation_and_therapy_note_make_their_charges(patient, staff, portland, fee_schedule):
    note = ConsultationNote.objects.create(
        patient=patient,
        author=staff["prescriber"],
        history_of_present_illness="Low mood for two years",
        mental_status_exam="Calm",
        risk_assessment="Low",
        assessment_and_plan="IV ketamine",
        consent_discussion="Discussed",
    )
    do_sign_consultation_note(staff["prescriber"], note.pk)
    [consultation] = Charge.objects.filter(consultation_note=note)
    assert (consultation.code, consultation.rendering_provider) == ("90792", staff["prescriber"])
    progress = ProgressNote.objects.create(
        patient=patient,
        therapist=staff["therapist"],
        session_at=timezone.now() - dt.timedelta(hours=1),
        duration_minutes=50,
        themes="Integration",
        goals="Sleep",
        practices="Journaling",
        risk_check="no_concerns",
    )
    do_sign_progress_note(staff["therapist"], progress.pk)
    [therapy] = Charge.objects.filter(progress_note=progress)
    assert (therapy.code, therapy.rendering_provider, therapy.trigger) == ("90834", staff["therapist"], "therapy_note")


@pytest.fixture
def draft(iv_plan, portland, staff, fee_schedule, make_discharged_session, sign):
    session = make_discharged_session(iv_plan, portland, staff["nurse"], staff["prescriber"])
    sign(session, staff)
    return Charge.objects.get(treatment_session=session)


def test_billing_edits_a_draft_and_the_change_is_audited_with_before_and_after(draft, staff, audit_entries):
    charge = actions.do_update_charge(staff["billing"], draft.pk, units="2", modifiers="gt", diagnosis_codes="f332")
    assert (charge.units, charge.amount, charge.modifiers, charge.diagnosis_codes) == (
        Decimal("2"),
        Decimal("990.00"),
        "GT",
        ["F33.2"],
    )
    [entry] = audit_entries(action="update", object_type="billing.charge")
    assert entry.detail["changes"]["units"] == {"before": "1.00", "after": "2"}
    assert entry.detail["changes"]["amount"] == {"before": "495.00", "after": "990.00"}


def test_bad_edit_names_each_field_and_changes_nothing(draft, staff):
    with pytest.raises(ValidationError) as error:
        actions.do_update_charge(staff["billing"], draft.pk, units="-1", unit_price="12.345", code="", colour="red")
    assert set(error.value.message_dict) == {"colour"}
    with pytest.raises(ValidationError) as error:
        actions.do_update_charge(staff["billing"], draft.pk, units="-1", unit_price="12.345", code="")
    assert set(error.value.message_dict) == {"units", "unit_price", "code"}
    draft.refresh_from_db()
    assert (draft.units, draft.unit_price, draft.code) == (1, Decimal("495.00"), "KET-IV")


def test_final_charge_is_posted_and_no_longer_editable(draft, staff):
    actions.do_finalise_charge(staff["billing"], draft.pk)
    [entry] = AccountEntry.objects.filter(charge=draft)
    assert (entry.kind, entry.amount) == (EntryKind.CHARGE, Decimal("495.00"))
    with pytest.raises(ValidationError, match="Only a draft"):
        actions.do_update_charge(staff["billing"], draft.pk, units="2")
    with pytest.raises(ValidationError, match="Only a draft"):
        actions.do_finalise_charge(staff["billing"], draft.pk)
    assert AccountEntry.objects.filter(charge=draft).count() == 1


def test_void_of_a_final_charge_reverses_its_entries_and_returns_the_package_credit(
    iv_plan, portland, staff, fee_schedule, audit_entries, make_discharged_session, sign
):
    patient = iv_plan.patient
    offer = PackageOffer.objects.create(
        organisation=patient.organisation,
        name="IV induction, 6 infusions",
        covers_trigger="session_iv",
        sessions_included=6,
        price=Decimal("2700.00"),
    )
    sale = PackageSale.objects.create(
        organisation=patient.organisation,
        patient=patient,
        offer=offer,
        name=offer.name,
        covers_trigger="session_iv",
        sessions_included=6,
        price=offer.price,
        refund_policy="prorated",
        valid_until=patient.today() + dt.timedelta(days=90),
        sold_at=timezone.now(),
        sold_by=staff["front_desk"],
    )
    session = make_discharged_session(iv_plan, portland, staff["nurse"], staff["prescriber"])
    sign(session, staff)
    charge = Charge.objects.get(treatment_session=session)
    assert PackageCreditUse.objects.get(sale=sale).charge == charge  # the session drew one credit
    actions.do_finalise_charge(staff["billing"], charge.pk)
    kinds = sorted(AccountEntry.objects.filter(charge=charge).values_list("kind", "method", "amount"))
    assert kinds == [("charge", "", Decimal("495.00")), ("payment", PaymentMethod.PACKAGE_CREDIT, Decimal("-495.00"))]
    with pytest.raises(ValidationError) as error:
        actions.do_void_charge(staff["billing"], charge.pk, reason=" ")
    assert set(error.value.message_dict) == {"reason"}
    actions.do_void_charge(staff["billing"], charge.pk, reason="Session billed twice")
    charge.refresh_from_db()
    assert charge.status == ChargeStatus.VOIDED
    reversals = AccountEntry.objects.filter(charge=charge, kind=EntryKind.REVERSAL)
    assert sorted(r.amount for r in reversals) == [Decimal("-495.00"), Decimal("495.00")]
    assert all(r.reverses.charge == charge and r.reason == "Session billed twice" for r in reversals)
    assert AccountEntry.objects.filter(patient=patient).aggregate(total=Sum("amount"))["total"] == 0
    assert PackageCreditUse.objects.filter(sale=sale).aggregate(total=Sum("sessions"))["total"] == 0
    [voided] = [
        e
        for e in audit_entries(action="status_change", object_type="billing.charge")
        if e.detail.get("status") == "voided"
    ]
    assert voided.detail["was"] == "final" and len(voided.detail["reversals"]) == 2


def test_void_of_a_draft_posts_nothing(draft, staff):
    actions.do_void_charge(staff["billing"], draft.pk, reason="Not a billable visit")
    draft.refresh_from_db()
    assert draft.status == ChargeStatus.VOIDED and not AccountEntry.objects.exists()
    with pytest.raises(ValidationError, match="already voided"):
        actions.do_void_charge(staff["billing"], draft.pk, reason="again")


def test_bulk_finalise_is_all_or_nothing(draft, staff, patient, portland, fee_schedule):
    manual = actions.do_add_manual_charge(
        staff["billing"],
        patient.pk,
        fee_item_id=fee_schedule["99214"].pk,
        location_id=portland.pk,
        service_date="2026-12-01",
    )
    actions.do_finalise_charge(staff["billing"], manual.pk)
    with pytest.raises(ValidationError) as error:
        actions.do_finalise_charges(staff["billing"], [draft.pk, manual.pk])
    assert "not a draft" in error.value.message_dict["charge_ids"][0]
    draft.refresh_from_db()
    assert draft.status == ChargeStatus.DRAFT
    actions.do_finalise_charges(staff["billing"], [draft.pk])
    draft.refresh_from_db()
    assert draft.status == ChargeStatus.FINAL


def test_manual_charge_checks_every_field(staff, patient, other_org):
    with pytest.raises(ValidationError) as error:
        actions.do_add_manual_charge(
            staff["billing"],
            patient.pk,
            fee_item_id=999,
            location_id=other_org.locations.first().pk,
            service_date="07/12/2026",
            units="0",
        )
    assert set(error.value.message_dict) == {"fee_item_id", "location_id", "service_date", "units"}
    assert not Charge.objects.exists()


@pytest.mark.parametrize("role", ["nurse", "therapist", "prescriber"])
def test_care_team_may_not_edit_finalise_or_void_charges(draft, staff, role):
    for attempt in (
        lambda: actions.do_update_charge(staff[role], draft.pk, units="2"),
        lambda: actions.do_finalise_charge(staff[role], draft.pk),
        lambda: actions.do_void_charge(staff[role], draft.pk, reason="no"),
    ):
        with pytest.raises(PermissionDenied):
            attempt()
    draft.refresh_from_db()
    assert draft.status == ChargeStatus.DRAFT and draft.units == 1


def test_another_organisation_sees_no_charge(draft, other_staff):
    with pytest.raises(Http404):
        actions.do_update_charge(other_staff["billing"], draft.pk, units="2")
    with pytest.raises(Http404):
        actions.do_void_charge(other_staff["clinic_admin"], draft.pk, reason="not ours")


def test_rendering_provider_is_the_prescriber_who_signed_first(
    esketamine, portland, staff, fee_schedule, make_discharged_session
):
    session = make_discharged_session(esketamine, portland, staff["nurse"], staff["prescriber"])
    do_sign_session(staff["prescriber"], session.pk)
    do_sign_session(staff["nurse"], session.pk)  # the nurse's signature locks the record
    assert {c.rendering_provider for c in Charge.objects.filter(treatment_session=session)} == {staff["prescriber"]}
