from decimal import Decimal

import pytest

from ketacare.candidacy import actions
from ketacare.patients.models import Medication


@pytest.fixture
def intake(staff, patient, intake_answers):
    """A complete, reviewed intake for `patient`, with a weight and lorazepam on the chart."""
    nurse = staff["nurse"]
    answers, trials = intake_answers
    Medication.objects.create(patient=patient, name="Lorazepam 1 mg", recorded_by=nurse)
    return actions.do_save_intake(nurse, patient.pk, weight_kg=Decimal("72.5"), trials=trials, **answers)
