import pytest


@pytest.fixture
def admin(staff):
    return staff["clinic_admin"]
