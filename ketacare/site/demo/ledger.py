"""The controlled-substance cabinets: the products, each location's DEA registration, and the
fortnightly receipts of ketamine vials and esketamine kits."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketacare.clinics.models import Location
from ketacare.ledger.actions import do_create_product, do_record_receipt, do_save_registration
from ketacare.ledger.models import Drug, Product
from ketacare.ledger.selectors import available_vials
from ketacare.site.demo.organisation_and_staff import DemoClinic

SHELF_LIFE = dt.timedelta(days=300)
# Usable containers each location keeps on hand, topped up every fortnight (demo/history.py): more
# than a busy fortnight's sessions, as each IV session opens a vial and each esketamine one a kit.
TARGET_CONTAINERS = {Drug.KETAMINE: 16, Drug.ESKETAMINE: 12}


def stock_the_cabinets(clinic: DemoClinic) -> None:
    """The admin adds the products and each location's DEA registration."""
    admin = clinic.admin
    do_create_product(
        admin,
        drug="ketamine",
        name="Ketamine HCl 50 mg/mL, 10 mL vial",
        ndc="0409-2051-05",
        unit="ml",
        strength_mg_per_unit=Decimal("50"),
        units_per_container=Decimal("10"),
    )
    do_create_product(
        admin,
        drug="esketamine",
        name="Spravato 56 mg kit (2 × 28 mg devices)",
        ndc="50458-028-02",
        unit="device",
        strength_mg_per_unit=Decimal("28"),
        units_per_container=Decimal("2"),
    )
    for number, location in enumerate(clinic.locations.values(), start=1):
        do_save_registration(
            admin,
            location_id=location.pk,
            registrant_name=clinic.organisation.name,
            dea_number=f"BH123456{number}",
        )


def restock(nurse, location: Location, products: list[Product], location_number: int, receipt_number: int) -> int:
    """The nurse tops each product up to its target count of usable containers from the wholesaler;
    returns how many containers came in."""
    received = 0
    today = timezone.localdate(timezone=location.zone)
    for product in products:
        usable = available_vials(nurse, location, product.drug).filter(product=product).count()
        missing = TARGET_CONTAINERS[product.drug] - usable
        if missing <= 0:
            continue
        do_record_receipt(
            nurse,
            location_id=location.pk,
            product_id=product.pk,
            lot=f"DEMO-{product.drug[:3].upper()}-{location_number}{receipt_number:02d}",
            expiry_date=today + SHELF_LIFE,
            container_count=missing,
            supplier_name="Demo Wholesale",
            supplier_address="1 Main Street, Columbus, OH 43004",
            supplier_dea_number="RD1234563",
            invoice_number=f"DEMO-{location_number}-{receipt_number:03d}",
        )
        received += missing
    return received
