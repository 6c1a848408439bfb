"""A clinic day ready for a treatment session: plan, appointment, ledger stock."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketacare.clinics.models import Location
from ketacare.ledger.tests.conftest import make_products, receive
from ketacare.patients.models import WeightMeasurement
from ketacare.protocols.builtins import seed_protocols
from ketacare.protocols.models import ProtocolTemplate, TreatmentPlan
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentType
from ketacare.treatments import actions
from ketacare.treatments import clock as treatments_clock


class Clock:
    """Replaces treatments.clock.now so a test can step through a session's minutes."""

    def __init__(self):
        self.now = timezone.now().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, minutes: float) -> None:
        self.now += dt.timedelta(minutes=minutes)


@pytest.fixture
def clock(monkeypatch):
    """The action clock starts in the past, so every step's time stays before the real now."""
    clock = Clock()
    clock.now -= dt.timedelta(hours=4)
    monkeypatch.setattr(treatments_clock, "now", clock)
    return clock


@pytest.fixture
def portland(org):
    return Location.objects.get(organisation=org, name="Harbor Portland")


def make_plan(patient, code: str, prescriber, dose_mg_per_kg=None) -> TreatmentPlan:
    seed_protocols()
    template = ProtocolTemplate.objects.get(organisation=None, code=code, version=1)
    return TreatmentPlan.objects.create(
        patient=patient, template=template, status="active", start_date=patient.today(),
        dose_mg_per_kg=dose_mg_per_kg, created_by=prescriber,
    )


def make_appointment(patient, location, kind: str, user, starts_at=None) -> Appointment:
    appointment_type, _ = AppointmentType.objects.get_or_create(
        organisation=patient.organisation, name=f"{kind} session",
        defaults={"kind": kind, "duration_minutes": 120},
    )
    starts_at = starts_at or timezone.now()
    return Appointment.objects.create(
        organisation=patient.organisation, location=location, patient=patient, appointment_type=appointment_type,
        starts_at=starts_at, ends_at=starts_at + dt.timedelta(hours=2), created_by=user,
    )


@pytest.fixture
def iv_world(org, staff, patient, portland):
    """An active IV plan (0.5 mg/kg), a 70 kg weight, today's appointment and a 500 mg vial at Portland."""
    WeightMeasurement.objects.create(patient=patient, weight_kg=Decimal("70.0"), measured_on=patient.today(),
                                     recorded_by=staff["nurse"])
    plan = make_plan(patient, "iv-racemic-ketamine", staff["prescriber"], Decimal("0.5"))
    appointment = make_appointment(patient, portland, AppointmentKind.IV_INFUSION, staff["front_desk"])
    ketamine, esketamine = make_products(staff["clinic_admin"])
    vial = receive(staff["nurse"], portland, ketamine)[0].vial
    return {"plan": plan, "appointment": appointment, "vial": vial, "esketamine_product": esketamine}


ALL_CHECKS = {"identity": True, "questionnaires": True, "weight": True, "fasting": True, "driver": True,
              "interacting_medicines": True}


def vitals(session, nurse, systolic=120, diastolic=80, **extra):
    return actions.do_record_vitals(nurse, session.pk, systolic_mmhg=systolic, diastolic_mmhg=diastolic,
                                    heart_rate_bpm=extra.pop("hr", 72), spo2_percent=extra.pop("spo2", 98), **extra)


def checked_in(nurse, appointment, checks=None):
    session = actions.do_start_session(nurse, appointment.pk)
    actions.do_record_checklist(nurse, session.pk, answers=checks or ALL_CHECKS, weight_kg=Decimal("70"))
    return session
