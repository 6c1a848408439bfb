"""Treatment plans (protocols): the built-in templates, a weighed patient, active plans."""

import datetime as dt
from decimal import Decimal

import pytest

from ketacare.patients.models import WeightMeasurement
from ketacare.protocols.builtins import seed_protocols
from ketacare.protocols.models import ProtocolTemplate, TreatmentPlan


def make_treatment_plan(patient, code: str, prescriber, dose_mg_per_kg=None) -> TreatmentPlan:
    seed_protocols()
    template = ProtocolTemplate.objects.get(organisation=None, code=code, version=1)
    return TreatmentPlan.objects.create(
        patient=patient,
        template=template,
        status="active",
        start_date=patient.today(),
        dose_mg_per_kg=dose_mg_per_kg,
        created_by=prescriber,
    )


@pytest.fixture(name="make_treatment_plan")
def make_treatment_plan_fixture():
    """make_treatment_plan(patient, template_code, prescriber, dose_mg_per_kg=None) -> an active plan from
    the built-in template, starting today."""
    return make_treatment_plan


@pytest.fixture
def iv_template(db):
    """The built-in IV racemic ketamine template (created by migration 0002), with a concentration set."""
    template = ProtocolTemplate.objects.get(organisation=None, code="iv-racemic-ketamine", version=1)
    return template


@pytest.fixture
def weighed_patient(patient, staff):
    """`patient`, weighed at 70 kg three days ago."""
    WeightMeasurement.objects.create(
        patient=patient,
        weight_kg=Decimal("70.0"),
        measured_on=patient.today() - dt.timedelta(days=3),
        recorded_by=staff["nurse"],
    )
    return patient
