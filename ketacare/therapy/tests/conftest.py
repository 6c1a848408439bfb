import datetime as dt

import pytest
from django.utils import timezone

from ketacare.accounts.domain.roles import Role
from ketacare.protocols.models import ProtocolTemplate, TreatmentPlan
from ketacare.therapy import actions

SIGNABLE = {
    "themes": "Grief; reconnecting with music",
    "goals": "Daily walk",
    "practices": "Journal after sessions",
    "risk_check": "no_concerns",
}


@pytest.fixture
def plan(patient, staff):
    """The patient's active plan, made by the prescriber (the treating prescriber)."""
    template = ProtocolTemplate.objects.filter(organisation=None, code="iv-racemic-ketamine").first()
    return TreatmentPlan.objects.create(
        patient=patient,
        template=template,
        start_date=dt.date(2026, 11, 1),
        status="active",
        created_by=staff["prescriber"],
    )


@pytest.fixture
def other_therapist(org, make_user):
    return make_user(org, Role.THERAPIST, "therapist2_harbor")


@pytest.fixture
def other_prescriber(org, make_user):
    return make_user(org, Role.PRESCRIBER, "prescriber2_harbor")


@pytest.fixture
def psy_note(patient, staff, plan):
    return actions.do_create_psychotherapy_note(staff["therapist"], patient.pk, text="Transference themes; private.")


@pytest.fixture
def progress_note(patient, staff, plan):
    return actions.do_create_progress_note(
        staff["therapist"],
        patient.pk,
        session_at=timezone.now() - dt.timedelta(hours=2),
        duration_minutes=50,
        plan_id=plan.pk,
        **SIGNABLE,
    )
