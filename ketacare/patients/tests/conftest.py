import pytest

from ketacare.audit.models import AuditEntry


@pytest.fixture
def audit_entries():
    """audit_entries(patient=..., action=...) -> the matching entries, oldest first."""
    return lambda **filters: list(AuditEntry.objects.filter(**filters).order_by("sequence"))
