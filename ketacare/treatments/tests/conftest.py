"""A clinic day ready for a treatment session: plan, appointment, ledger stock."""

from decimal import Decimal

import pytest

from ketacare.patients.models import WeightMeasurement
from ketacare.scheduling.models import AppointmentKind
from ketacare.treatments import actions, start_checks


@pytest.fixture
def no_start_checks(monkeypatch):
    """An empty start-check registry for this test (the REMS's check is tested in the REMS app);
    checks registered during the test go into it and are gone afterwards."""
    monkeypatch.setattr(start_checks, "_checks", {})


@pytest.fixture
def iv_world(
    org,
    staff,
    patient,
    portland,
    make_treatment_plan,
    make_session_appointment,
    make_products,
    receive,
    put_on_shift,
    password,
):
    """An active IV plan (0.5 mg/kg), a 70 kg weight, today's appointment and a 500 mg vial at Portland;
    the prescriber on shift there signs in as the dose's second checker (`second_check`)."""
    put_on_shift(staff["prescriber"], portland)
    WeightMeasurement.objects.create(
        patient=patient, weight_kg=Decimal("70.0"), measured_on=patient.today(), recorded_by=staff["nurse"]
    )
    plan = make_treatment_plan(patient, "iv-racemic-ketamine", staff["prescriber"], Decimal("0.5"))
    appointment = make_session_appointment(patient, portland, AppointmentKind.IV_INFUSION, staff["front_desk"])
    ketamine, esketamine = make_products(staff["clinic_admin"])
    vial = receive(staff["nurse"], portland, ketamine)[0].vial
    return {
        "plan": plan,
        "appointment": appointment,
        "vial": vial,
        "esketamine_product": esketamine,
        "second_check": {"checker_username": staff["prescriber"].username, "checker_password": password},
    }


ALL_CHECKS = {
    "identity": True,
    "questionnaires": True,
    "weight": True,
    "fasting": True,
    "driver": True,
    "interacting_medicines": True,
}


def vitals(session, nurse, systolic=120, diastolic=80, **extra):
    return actions.do_record_vitals(
        nurse,
        session.pk,
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
        heart_rate_bpm=extra.pop("hr", 72),
        spo2_percent=extra.pop("spo2", 98),
        **extra,
    )


def checked_in(nurse, appointment, checks=None):
    session = actions.do_start_session(nurse, appointment.pk)
    actions.do_record_checklist(nurse, session.pk, answers=checks or ALL_CHECKS, weight_kg=Decimal("70"))
    return session
