"""A small audit trail at known times, for the pages that read it: a patient's access history
(patients) and the organisation's trail and its API (reports)."""

import datetime as dt
from unittest import mock

import pytest
from django.utils import timezone

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction


def _written_at(when: dt.datetime):
    """Within this block, audit entries are written at `when` (UTC)."""
    return mock.patch.object(timezone, "now", return_value=when)


@pytest.fixture
def audit_trail(staff, other_staff, patient, second_patient, other_org_patient):
    """Harbor's entries, oldest first, plus one of Elsewhere's, keyed by what they record.

    2026-03-10 03:30 UTC is still 9 March in Harbor's display zone
    (America/New_York, EDT since 8 March).
    """
    nurse, front_desk = staff["nurse"], staff["front_desk"]
    with _written_at(dt.datetime(2026, 3, 9, 15, 0, tzinfo=dt.UTC)):
        registered = record_event(front_desk, AuditAction.CREATE, patient, patient=patient, source_address="10.0.0.5")
    with _written_at(dt.datetime(2026, 3, 10, 3, 30, tzinfo=dt.UTC)):
        late_view = record_event(nurse, AuditAction.VIEW, patient, patient=patient, source_address="10.0.0.6")
    with _written_at(dt.datetime(2026, 3, 11, 14, 0, tzinfo=dt.UTC)):
        other_view = record_event(nurse, AuditAction.VIEW, second_patient, patient=second_patient)
        search = record_event(
            front_desk,
            AuditAction.LIST,
            object_type="patients.patient",
            detail={"query": "Pat"},
        )
        elsewhere = record_event(
            other_staff["nurse"],
            AuditAction.VIEW,
            other_org_patient,
            patient=other_org_patient,
        )
    return {
        "registered": registered,
        "late_view": late_view,
        "other_view": other_view,
        "search": search,
        "elsewhere": elsewhere,
    }
