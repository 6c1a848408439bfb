"""Treatment sessions and their REMS paperwork: appointments, a clock a test can step, an
esketamine chart built row by row (the charting itself is tested in ketacare.treatments), and the
location's REMS certification and the patient's enrollment."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketacare.rems import actions as rems_actions
from ketacare.scheduling.models import Appointment, AppointmentType, StaffException
from ketacare.testing.plans import make_treatment_plan
from ketacare.treatments import clock as treatments_clock
from ketacare.treatments.models import (
    AdverseEvent,
    CheckItem,
    DischargeAssessment,
    DosePreparation,
    SessionCheck,
    SessionDevice,
    SessionStatus,
    TreatmentSession,
    VitalSign,
)


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


def make_session_appointment(patient, location, kind: str, user, starts_at=None) -> Appointment:
    appointment_type, _ = AppointmentType.objects.get_or_create(
        organisation=patient.organisation,
        name=f"{kind} session",
        defaults={"kind": kind, "duration_minutes": 120},
    )
    starts_at = starts_at or timezone.now()
    return Appointment.objects.create(
        organisation=patient.organisation,
        location=location,
        patient=patient,
        appointment_type=appointment_type,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=2),
        created_by=user,
    )


def put_on_shift(user, location, *, hours: float = 12) -> StaffException:
    """Extra hours for `user` at `location` from `hours` before now to `hours` after (the session
    clock starts 4 hours back): a dose's second checker must be on shift there."""
    now = timezone.now()
    return StaffException.objects.create(
        user=user,
        location=location,
        is_available=True,
        starts_at=now - dt.timedelta(hours=hours),
        ends_at=now + dt.timedelta(hours=hours),
        reason="On shift (test)",
    )


@pytest.fixture(name="put_on_shift")
def put_on_shift_fixture():
    """put_on_shift(user, location, hours=12) -> extra hours at the location around now."""
    return put_on_shift


@pytest.fixture(name="make_session_appointment")
def make_session_appointment_fixture():
    """make_session_appointment(patient, location, kind, user, starts_at=now) -> a two-hour appointment
    (no chair, written directly: what a session starts from)."""
    return make_session_appointment


@pytest.fixture
def certified(portland, staff):
    """Harbor Portland's REMS certification."""
    return rems_actions.do_record_certification(
        staff["clinic_admin"],
        location_id=portland.pk,
        certificate_id="HCS-12345",
        certified_on=dt.date(2026, 1, 5),
        authorized_representative="Dana Rivera",
    )


@pytest.fixture
def enrolled(patient, staff):
    """The patient's REMS enrollment."""
    return rems_actions.do_enroll_patient(
        staff["prescriber"], patient.pk, enrollment_id="PT-998877", enrolled_on=dt.date(2026, 11, 1)
    )


@pytest.fixture
def esketamine_plan(patient, staff):
    """The patient's active esketamine plan (candidacy approved), started five weeks ago."""
    start_date = patient.today() - dt.timedelta(weeks=5)
    return make_treatment_plan(patient, "esketamine-nasal", staff["prescriber"], start_date=start_date)


def _vital(session, user, at, phase, minute, scheduled, bp, hr=80, spo2=98):
    return VitalSign.objects.create(
        session=session,
        phase=phase,
        minute=minute,
        scheduled_minute=scheduled,
        recorded_at=at,
        systolic_mmhg=bp[0],
        diastolic_mmhg=bp[1],
        heart_rate_bpm=hr,
        spo2_percent=spo2,
        recorded_by=user,
    )


@pytest.fixture
def make_chart(portland, staff, esketamine_plan):
    """make_chart(start=..., discharged=True, events=(), medicines=[...]) -> a charted 56 mg session."""

    def build(start=None, discharged=True, events=(), medicines=("benzodiazepine",), patient=None):
        nurse = staff["nurse"]
        start = start or timezone.now() - dt.timedelta(hours=3)
        session = TreatmentSession.objects.create(
            organisation=portland.organisation,
            location=portland,
            patient=patient or esketamine_plan.patient,
            plan=esketamine_plan,
            template=esketamine_plan.template,
            route="intranasal_esketamine",
            drug="esketamine",
            status=SessionStatus.OBSERVING,
            monitoring_clinician=nurse,
            checked_in_at=start - dt.timedelta(minutes=20),
            created_by=nurse,
            interacting_medicines=list(medicines or []),
            administration_started_at=start,
            administration_stopped_at=start + dt.timedelta(minutes=5),
            administered_by=nurse,
        )
        if medicines is not None:
            SessionCheck.objects.create(
                session=session,
                item=CheckItem.INTERACTING_MEDICINES,
                passed=True,
                recorded_by=nurse,
                recorded_at=start - dt.timedelta(minutes=15),
            )
        DosePreparation.objects.create(
            session=session,
            vial_id=1,
            lot="LOT-ESK-42",
            dose_mg=Decimal("56"),
            drawn_by=nurse,
            checked_by=staff["prescriber"],
            drawn_at=start - dt.timedelta(minutes=5),
        )
        for sequence in (1, 2):
            SessionDevice.objects.create(
                session=session,
                sequence=sequence,
                recorded_by=nurse,
                administered_at=start + dt.timedelta(minutes=5 * (sequence - 1)),
            )
        _vital(session, nurse, start - dt.timedelta(minutes=10), "pre_dose", None, None, (132, 84))
        _vital(session, nurse, start + dt.timedelta(minutes=41), "monitoring", 41, 40, (152, 94))
        _vital(session, nurse, start + dt.timedelta(minutes=118), "monitoring", 118, 120, (128, 80))
        for kind in events:
            AdverseEvent.objects.create(
                session=session,
                kind=kind,
                onset_at=start + dt.timedelta(minutes=20),
                action_taken="Observed",
                recorded_by=nurse,
                recorded_at=start + dt.timedelta(minutes=21),
            )
        if discharged:
            end = start + dt.timedelta(minutes=125)
            DischargeAssessment.objects.create(
                session=session,
                alert=True,
                walking_steadily=True,
                accompanied_home=True,
                escort_name="Sam",
                assessed_by=nurse,
                assessed_at=end,
            )
            session.status = SessionStatus.DISCHARGED
            session.discharged_at = end
            session.discharged_by = nurse
            session.save()
        return session

    return build
