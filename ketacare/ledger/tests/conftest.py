import pytest

from ketacare.clinics.models import Location


@pytest.fixture
def boston(org):
    return Location.objects.get(organisation=org, name="Harbor Boston")


@pytest.fixture
def products(staff, make_products):
    return make_products(staff["clinic_admin"])


@pytest.fixture
def vial(staff, portland, products, receive):
    """A 500 mg ketamine vial (10 mL of 50 mg/mL) at Portland."""
    return receive(staff["nurse"], portland, products[0])[0].vial
