"""The contract the sessions app calls: administration (drawn + checked) and witnessed waste."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ketacare.accounts.domain.roles import Role
from ketacare.audit.models import AuditEntry
from ketacare.ledger.actions import (
    available_vials,
    do_record_administration,
    do_record_waste,
)
from ketacare.ledger.models import LedgerEntry, Vial


@pytest.fixture
def second_nurse(org, make_user):
    return make_user(org, Role.NURSE, "nurse_two")


def _field(exc) -> set:
    return set(exc.value.message_dict)


def test_administration_debits_vial_and_records_mg_and_ml(staff, vial, patient, second_nurse):
    entry = do_record_administration(
        staff["nurse"],
        vial_id=vial.pk,
        dose_mg=Decimal("35"),
        checked_by=second_nurse,
        patient=patient,
        treatment_session_id=7,
    )
    vial.refresh_from_db()
    assert entry.quantity_mg == Decimal("-35")
    assert entry.volume_ml == Decimal("0.700")
    assert entry.balance_after_mg == vial.balance_mg == Decimal("465")
    assert entry.checked_by == second_nurse and entry.created_by == staff["nurse"]
    assert entry.treatment_session_id == 7
    assert vial.volume_ml_for(Decimal("35")) == Decimal("0.700")
    assert AuditEntry.objects.filter(
        object_type="ledger.ledgerentry", object_id=str(entry.pk), patient=patient
    ).exists()


def test_administration_refusals_name_the_field(staff, vial, patient, other_org_patient, second_nurse, boston):
    nurse = staff["nurse"]
    cases = [
        ({"checked_by": nurse}, "checked_by"),
        ({"checked_by": staff["front_desk"]}, "checked_by"),
        ({"dose_mg": Decimal("501")}, "dose_mg"),
        ({"dose_mg": Decimal("-1")}, "dose_mg"),
        ({"patient": other_org_patient}, "patient"),
        ({"location_id": boston.pk}, "vial_id"),
        ({"vial_id": 10**9}, "vial_id"),
    ]
    for change, field in cases:
        kwargs = {
            "vial_id": vial.pk,
            "dose_mg": Decimal("35"),
            "checked_by": second_nurse,
            "patient": patient,
            "treatment_session_id": None,
            **change,
        }
        with pytest.raises(ValidationError) as exc:
            do_record_administration(nurse, **kwargs)
        assert field in _field(exc), change
    assert LedgerEntry.objects.filter(kind="administration").count() == 0
    vial.refresh_from_db()
    assert vial.balance_mg == Decimal("500")


def test_expired_vial_refused_and_not_available(staff, portland, products, patient, second_nurse, receive):
    vial = receive(staff["nurse"], portland, products[0], lot="OLD", expiry=dt.date.today() + dt.timedelta(days=3))[
        0
    ].vial
    Vial.objects.filter(pk=vial.pk).update(expiry_date=dt.date(2020, 1, 1))
    with pytest.raises(ValidationError) as exc:
        do_record_administration(
            staff["nurse"],
            vial_id=vial.pk,
            dose_mg=Decimal("10"),
            checked_by=second_nurse,
            patient=patient,
            treatment_session_id=None,
        )
    assert "expired" in exc.value.message_dict["vial_id"][0]
    assert vial not in available_vials(staff["nurse"], portland, "ketamine")


def test_other_organisation_vial_refused(other_staff, vial, other_org_patient, other_org, make_user):
    other_checker = make_user(other_org, Role.PRESCRIBER, "other_checker")
    with pytest.raises(ValidationError) as exc:
        do_record_administration(
            other_staff["nurse"],
            vial_id=vial.pk,
            dose_mg=Decimal("10"),
            checked_by=other_checker,
            patient=other_org_patient,
            treatment_session_id=None,
        )
    assert "vial_id" in _field(exc)


def test_role_without_ledger_record_is_denied(staff, vial, patient, second_nurse):
    with pytest.raises(PermissionDenied):
        do_record_administration(
            staff["front_desk"],
            vial_id=vial.pk,
            dose_mg=Decimal("10"),
            checked_by=second_nurse,
            patient=patient,
            treatment_session_id=None,
        )


def test_esketamine_devices_are_whole(staff, portland, products, patient, second_nurse, receive):
    kit = receive(staff["nurse"], portland, products[1])[0].vial
    assert kit.balance_mg == Decimal("56")
    with pytest.raises(ValidationError) as exc:
        do_record_administration(
            staff["nurse"],
            vial_id=kit.pk,
            dose_mg=Decimal("30"),
            checked_by=second_nurse,
            patient=patient,
            treatment_session_id=None,
        )
    assert "dose_mg" in _field(exc)
    entry = do_record_administration(
        staff["nurse"],
        vial_id=kit.pk,
        dose_mg=Decimal("56"),
        checked_by=second_nurse,
        patient=patient,
        treatment_session_id=None,
    )
    assert entry.device_count == 2 and entry.volume_ml is None and entry.balance_after_mg == 0
    assert kit not in available_vials(staff["nurse"], portland, "esketamine")


def test_waste_with_witness_reauthentication(staff, vial, patient, password):
    entry = do_record_waste(
        staff["nurse"],
        vial_id=vial.pk,
        quantity_mg=Decimal("15"),
        witness=staff["prescriber"],
        witness_password=password,
        reason="remainder",
        patient=patient,
        treatment_session_id=3,
    )
    assert entry.witness == staff["prescriber"] and entry.balance_after_mg == Decimal("485")
    assert AuditEntry.objects.filter(
        actor=staff["prescriber"], action="security", detail__event="witness_reauthenticated"
    ).exists()


def test_waste_wrong_password_writes_nothing_but_is_audited(staff, vial):
    before = LedgerEntry.objects.count()
    with pytest.raises(ValidationError) as exc:
        do_record_waste(
            staff["nurse"],
            vial_id=vial.pk,
            quantity_mg=Decimal("15"),
            witness=staff["prescriber"],
            witness_password="wrong",
            reason="remainder",
        )
    assert _field(exc) == {"witness_password"}
    assert LedgerEntry.objects.count() == before
    vial.refresh_from_db()
    assert vial.balance_mg == Decimal("500")
    assert AuditEntry.objects.filter(
        actor=staff["prescriber"], detail__event="witness_reauthentication_failed"
    ).exists()


def test_waste_witness_must_be_a_colleague_with_ledger_record(staff, vial, other_staff, password):
    for witness, field in (
        (staff["nurse"], "witness"),
        (staff["clinic_admin"], "witness"),
        (other_staff["prescriber"], "witness"),
        (None, "witness"),
    ):
        with pytest.raises(ValidationError) as exc:
            do_record_waste(
                staff["nurse"],
                vial_id=vial.pk,
                quantity_mg=Decimal("15"),
                witness=witness,
                witness_password=password,
                reason="remainder",
            )
        assert field in _field(exc)


def test_waste_without_witness_when_clinic_setting_off(staff, vial):
    from ketacare.ledger.actions import do_update_ledger_settings

    do_update_ledger_settings(staff["clinic_admin"], waste_witness_required=False)
    entry = do_record_waste(
        staff["nurse"],
        vial_id=vial.pk,
        quantity_mg=Decimal("5"),
        witness=None,
        witness_password="",
        reason="dropped syringe",
    )
    assert entry.witness is None


def test_witness_locked_out_after_repeated_wrong_passwords(staff, vial, password):
    from ketacare.ledger.actions import WITNESS_MAX_FAILURES

    for _ in range(WITNESS_MAX_FAILURES):
        with pytest.raises(ValidationError):
            do_record_waste(
                staff["nurse"],
                vial_id=vial.pk,
                quantity_mg=Decimal("1"),
                witness=staff["prescriber"],
                witness_password="guess",
                reason="r",
            )
    with pytest.raises(ValidationError, match="Too many wrong passwords"):
        do_record_waste(
            staff["nurse"],
            vial_id=vial.pk,
            quantity_mg=Decimal("1"),
            witness=staff["prescriber"],
            witness_password=password,
            reason="r",
        )
    assert not LedgerEntry.objects.filter(kind="waste").exists()
