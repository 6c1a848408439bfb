"""Treatment plans (protocols): the built-in templates, a weighed patient, plans made the lawful way.

A plan needs an approved candidacy decision for its route and, for a weight-based route, today's
weight (protocols/prerequisites.py); the builders here record both through the actions, as a clinic
would, rather than writing plan rows around the rule.
"""

import copy
import datetime as dt
from decimal import Decimal

import pytest

from ketacare.candidacy import actions as candidacy_actions
from ketacare.candidacy.models import Intake
from ketacare.patients import actions as patient_actions
from ketacare.patients.models import WeightMeasurement
from ketacare.protocols import actions as protocol_actions
from ketacare.protocols.builtins import seed_protocols
from ketacare.protocols.models import ProtocolTemplate, Route, TreatmentPlan
from ketacare.protocols.prerequisites import CANDIDACY_ROUTE
from ketacare.testing.consents import sign_consents_for_route
from ketacare.testing.intake import ANSWERS, TRIALS

WEIGHT_KG = Decimal("70.0")


def make_plan_ready(patient, route: str, prescriber, weight_kg: Decimal | None = WEIGHT_KG) -> None:
    """Everything a plan for `route` (a protocol route: "iv", "intranasal_esketamine", ...) needs: a reviewed
    candidacy intake (two failed trials), the prescriber's approval of the route, and today's weight
    (weight_kg=None: no weight, to test what happens without it)."""
    weighed_today = patient.weights.filter(measured_on=patient.today()).exists()
    needs_weight = not patient.weights.exists() or (route != Route.INTRANASAL_ESKETAMINE and not weighed_today)
    if weight_kg is not None and needs_weight:  # the candidacy evaluation needs a weight too
        patient_actions.do_record_weight(prescriber, patient.pk, weight_kg=weight_kg, measured_on=patient.today())
    if not Intake.objects.filter(patient=patient).exists():
        candidacy_actions.do_save_intake(prescriber, patient.pk, trials=copy.deepcopy(TRIALS), **copy.deepcopy(ANSWERS))
    candidacy_actions.do_record_decision(
        prescriber,
        patient.pk,
        route=CANDIDACY_ROUTE[Route(route)].value,
        decision="approve",
        reason="Approved at the candidacy consultation",
    )
    sign_consents_for_route(patient, route, prescriber)


def make_treatment_plan(
    patient, code: str, prescriber, dose_mg_per_kg=None, start_date: dt.date | None = None
) -> TreatmentPlan:
    """An active plan from the built-in template `code`, created and started through the actions."""
    seed_protocols()
    template = ProtocolTemplate.objects.get(organisation=None, code=code, version=1)
    make_plan_ready(patient, template.route, prescriber)
    plan = protocol_actions.do_create_plan_from_template(
        prescriber,
        patient.pk,
        template_id=template.pk,
        start_date=start_date or patient.today(),
        dose_mg_per_kg=dose_mg_per_kg,
    )
    return protocol_actions.do_change_plan_status(
        prescriber, plan.pk, status="active", reason="Consent signed; induction starts"
    )


@pytest.fixture(name="make_treatment_plan")
def make_treatment_plan_fixture():
    """make_treatment_plan(patient, template_code, prescriber, dose_mg_per_kg=None, start_date=None) -> an active
    plan from the built-in template, starting today, made through the actions (candidacy approved, weighed today)."""
    return make_treatment_plan


@pytest.fixture(name="make_plan_ready")
def make_plan_ready_fixture():
    """make_plan_ready(patient, route, prescriber): a reviewed intake, the route approved, today's weight."""
    return make_plan_ready


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
        weight_kg=WEIGHT_KG,
        measured_on=patient.today() - dt.timedelta(days=3),
        recorded_by=staff["nurse"],
    )
    return patient


@pytest.fixture
def iv_candidate(weighed_patient, staff):
    """`weighed_patient`, ready for an IV plan: candidacy approved for IV racemic ketamine, weighed today (70 kg)."""
    make_plan_ready(weighed_patient, Route.IV, staff["prescriber"])
    return weighed_patient
