"""An esketamine session chart built row by row (the charting itself is tested in ketacare.treatments)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from ketacare.audit.models import AuditEntry
from ketacare.protocols.models import ProtocolTemplate, TreatmentPlan
from ketacare.rems import actions
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


@pytest.fixture
def audit_entries():
    return lambda **filters: list(AuditEntry.objects.filter(**filters).order_by("sequence"))


@pytest.fixture
def portland(org):
    return org.locations.get(name="Harbor Portland")


@pytest.fixture
def certified(portland, staff):
    return actions.do_record_certification(
        staff["clinic_admin"], location_id=portland.pk, certificate_id="HCS-12345",
        certified_on=dt.date(2026, 1, 5), authorized_representative="Dana Rivera",
    )


@pytest.fixture
def enrolled(patient, staff):
    return actions.do_enroll_patient(staff["prescriber"], patient.pk, enrollment_id="PT-998877",
                                     enrolled_on=dt.date(2026, 11, 1))


@pytest.fixture
def esketamine_plan(patient, staff):
    template = ProtocolTemplate.objects.get(organisation=None, code="esketamine-nasal", version=1)
    return TreatmentPlan.objects.create(patient=patient, template=template, start_date=dt.date(2026, 11, 2),
                                        status="active", created_by=staff["prescriber"])


def vital(session, user, at, phase, minute, scheduled, bp, hr=80, spo2=98):
    return VitalSign.objects.create(session=session, phase=phase, minute=minute, scheduled_minute=scheduled,
                                    recorded_at=at, systolic_mmhg=bp[0], diastolic_mmhg=bp[1],
                                    heart_rate_bpm=hr, spo2_percent=spo2, recorded_by=user)


@pytest.fixture
def make_chart(portland, staff, esketamine_plan):
    """make_chart(start=..., discharged=True, events=(), medicines=[...]) -> a charted 56 mg session."""

    def build(start=None, discharged=True, events=(), medicines=("benzodiazepine",), patient=None):
        nurse = staff["nurse"]
        start = start or timezone.now() - dt.timedelta(hours=3)
        session = TreatmentSession.objects.create(
            organisation=portland.organisation, location=portland, patient=patient or esketamine_plan.patient,
            plan=esketamine_plan, template=esketamine_plan.template, route="intranasal_esketamine",
            drug="esketamine", status=SessionStatus.OBSERVING, monitoring_clinician=nurse,
            checked_in_at=start - dt.timedelta(minutes=20), created_by=nurse,
            interacting_medicines=list(medicines or []),
            administration_started_at=start, administration_stopped_at=start + dt.timedelta(minutes=5),
            administered_by=nurse,
        )
        if medicines is not None:
            SessionCheck.objects.create(session=session, item=CheckItem.INTERACTING_MEDICINES, passed=True,
                                        recorded_by=nurse, recorded_at=start - dt.timedelta(minutes=15))
        DosePreparation.objects.create(session=session, vial_id=1, lot="LOT-ESK-42", dose_mg=Decimal("56"),
                                       drawn_by=nurse, checked_by=staff["prescriber"],
                                       drawn_at=start - dt.timedelta(minutes=5))
        for sequence in (1, 2):
            SessionDevice.objects.create(session=session, sequence=sequence, recorded_by=nurse,
                                         administered_at=start + dt.timedelta(minutes=5 * (sequence - 1)))
        vital(session, nurse, start - dt.timedelta(minutes=10), "pre_dose", None, None, (132, 84))
        vital(session, nurse, start + dt.timedelta(minutes=41), "monitoring", 41, 40, (152, 94))
        vital(session, nurse, start + dt.timedelta(minutes=118), "monitoring", 118, 120, (128, 80))
        for kind in events:
            AdverseEvent.objects.create(session=session, kind=kind, onset_at=start + dt.timedelta(minutes=20),
                                        action_taken="Observed", recorded_by=nurse,
                                        recorded_at=start + dt.timedelta(minutes=21))
        if discharged:
            end = start + dt.timedelta(minutes=125)
            DischargeAssessment.objects.create(session=session, alert=True, walking_steadily=True,
                                               accompanied_home=True, escort_name="Sam", assessed_by=nurse,
                                               assessed_at=end)
            session.status = SessionStatus.DISCHARGED
            session.discharged_at = end
            session.discharged_by = nurse
            session.save()
        return session

    return build
