import datetime as dt
from decimal import Decimal

import pytest

from ketacare.audit.models import AuditEntry
from ketacare.patients.models import WeightMeasurement
from ketacare.protocols.models import ProtocolTemplate


@pytest.fixture
def audit_entries():
    """audit_entries(patient=..., action=...) -> the matching entries, oldest first."""
    return lambda **filters: list(AuditEntry.objects.filter(**filters).order_by("sequence"))


@pytest.fixture
def iv_template(db):
    """The built-in IV racemic ketamine template (created by migration 0002), with a concentration set."""
    template = ProtocolTemplate.objects.get(organisation=None, code="iv-racemic-ketamine", version=1)
    return template


@pytest.fixture
def weighed_patient(patient, staff):
    WeightMeasurement.objects.create(
        patient=patient, weight_kg=Decimal("70.0"), measured_on=patient.today() - dt.timedelta(days=3),
        recorded_by=staff["nurse"],
    )
    return patient
