"""The REMS's start check, registered with treatments: no esketamine dose or device for a patient not
enrolled or outside a certified setting, through the charting actions themselves (CLINICAL.md §2)."""

import pytest
from django.core.exceptions import ValidationError

from ketacare.ledger.models import EntryKind, LedgerEntry
from ketacare.protocols.models import Drug
from ketacare.rems import actions as rems_actions
from ketacare.rems.selectors import session_rems_blockers
from ketacare.scheduling.models import AppointmentKind
from ketacare.treatments import actions
from ketacare.treatments.start_checks import registered_start_checks

pytestmark = pytest.mark.django_db


@pytest.fixture
def esketamine_session(
    staff,
    patient,
    portland,
    clock,
    make_treatment_plan,
    make_session_appointment,
    make_products,
    receive,
    put_on_shift,
    password,
):
    """An esketamine session past its pre-session checks at Portland, with a 56 mg kit there (the
    prescriber, the dose's second checker, on shift)."""
    nurse = staff["nurse"]
    put_on_shift(staff["prescriber"], portland)
    make_treatment_plan(patient, "esketamine-nasal", staff["prescriber"])
    appointment = make_session_appointment(patient, portland, AppointmentKind.ESKETAMINE, staff["front_desk"])
    _, esketamine = make_products(staff["clinic_admin"])
    kit = receive(nurse, portland, esketamine, lot="SPR-1")[0].vial
    session = actions.do_start_session(nurse, appointment.pk)
    actions.do_record_checklist(
        nurse,
        session.pk,
        answers={
            "identity": True,
            "questionnaires": True,
            "fasting": True,
            "driver": True,
            "interacting_medicines": True,
        },
    )
    actions.do_record_vitals(
        nurse, session.pk, systolic_mmhg=120, diastolic_mmhg=80, heart_rate_bpm=72, spo2_percent=98
    )
    return {"session": actions.do_complete_prechecks(nurse, session.pk), "kit": kit, "password": password}


def _draw(staff, world):
    return actions.do_prepare_dose(
        staff["nurse"],
        world["session"].pk,
        vial_id=world["kit"].pk,
        checker_username=staff["prescriber"].username,
        checker_password=world["password"],
        dose_mg=56,
    )


def test_the_rems_registers_its_check_with_treatments():
    assert registered_start_checks()["rems"] is session_rems_blockers


def test_rems_blocks_before_enrolment(staff, esketamine_session):
    with pytest.raises(ValidationError) as error:
        _draw(staff, esketamine_session)
    assert "rems" in error.value.message_dict
    assert "not enrolled" in error.value.message_dict["rems"][0]
    assert not LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION).exists()


def test_certified_and_enrolled_may_be_dosed_and_a_withdrawal_stops_the_next_device(
    staff,
    patient,
    esketamine_session,
    clock,
    certified,
    enrolled,
):
    session = esketamine_session["session"]
    _draw(staff, esketamine_session)
    actions.do_record_device(staff["nurse"], session.pk)
    rems_actions.do_withdraw_enrollment(staff["prescriber"], patient.pk, reason="Withdrew consent")
    clock.advance(5)  # past the rest: the REMS is the only reason left
    with pytest.raises(ValidationError) as error:
        actions.do_record_device(staff["nurse"], session.pk)
    assert "not enrolled" in error.value.message_dict["rems"][0]
    assert session.devices.count() == 1


def test_other_drugs_are_not_the_rems_concern(esketamine_session):
    session = esketamine_session["session"]
    assert session_rems_blockers(session)  # esketamine, not enrolled
    session.drug = Drug.KETAMINE_RACEMIC
    assert session_rems_blockers(session) == []
