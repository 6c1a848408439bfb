"""Controlled-substance stock (ledger): the two products a clinic keeps and receipts of them."""

import datetime as dt
from decimal import Decimal

import pytest

from ketacare.ledger import actions
from ketacare.ledger.models import Product


def make_products(admin) -> tuple[Product, Product]:
    ketamine = actions.do_create_product(
        admin,
        drug="ketamine",
        name="Ketamine HCl 50 mg/mL",
        ndc="0409-2051-05",
        unit="ml",
        strength_mg_per_unit=Decimal("50"),
        units_per_container=Decimal("10"),
    )
    esketamine = actions.do_create_product(
        admin,
        drug="esketamine",
        name="Spravato 56 mg kit",
        ndc="50458-028-02",
        unit="device",
        strength_mg_per_unit=Decimal("28"),
        units_per_container=Decimal("2"),
    )
    return ketamine, esketamine


def receive(user, location, product: Product, *, count=1, lot="L1", expiry=None):
    return actions.do_record_receipt(
        user,
        location_id=location.pk,
        product_id=product.pk,
        lot=lot,
        expiry_date=expiry or dt.date.today() + dt.timedelta(days=365),
        container_count=count,
        supplier_name="Acme Pharma",
        supplier_address="1 Main St, Reno NV",
        supplier_dea_number="RA1234563",
        invoice_number="INV-1",
    )


@pytest.fixture(name="make_products")
def make_products_fixture():
    """make_products(clinic_admin) -> (ketamine 50 mg/mL in 10 mL vials, Spravato 56 mg kits of two devices)."""
    return make_products


@pytest.fixture(name="receive")
def receive_fixture():
    """receive(user, location, product, count=1, lot="L1", expiry=None) -> the receipt's entries, one per
    container (`.vial` is the container), through the ledger's action."""
    return receive
