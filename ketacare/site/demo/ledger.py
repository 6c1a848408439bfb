"""The controlled-substance cabinets: ketamine vials and esketamine kits received at each location."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from ketacare.ledger.actions import do_create_product, do_record_receipt, do_save_registration
from ketacare.site.demo.organisation_and_staff import DemoClinic

CONTAINERS_PER_RECEIPT = 3
SHELF_LIFE = dt.timedelta(days=300)


def stock_the_cabinets(clinic: DemoClinic) -> None:
    """The admin adds the products and each location's DEA registration; its nurse receives the stock."""
    admin, today = clinic.admin, timezone.localdate()
    ketamine = do_create_product(
        admin,
        drug="ketamine",
        name="Ketamine HCl 50 mg/mL, 10 mL vial",
        ndc="0409-2051-05",
        unit="ml",
        strength_mg_per_unit=Decimal("50"),
        units_per_container=Decimal("10"),
    )
    esketamine = do_create_product(
        admin,
        drug="esketamine",
        name="Spravato 56 mg kit (2 × 28 mg devices)",
        ndc="50458-028-02",
        unit="device",
        strength_mg_per_unit=Decimal("28"),
        units_per_container=Decimal("2"),
    )
    for number, (name, location) in enumerate(clinic.locations.items(), start=1):
        nurse, _ = clinic.clinicians(name)
        do_save_registration(
            admin,
            location_id=location.pk,
            registrant_name=clinic.organisation.name,
            dea_number=f"BH123456{number}",
        )
        for product in (ketamine, esketamine):
            do_record_receipt(
                nurse,
                location_id=location.pk,
                product_id=product.pk,
                lot=f"DEMO-{product.drug[:3].upper()}-{number}",
                expiry_date=today + SHELF_LIFE,
                container_count=CONTAINERS_PER_RECEIPT,
                supplier_name="Demo Wholesale",
                supplier_address="1 Main Street, Columbus, OH 43004",
                supplier_dea_number="RD1234563",
                invoice_number=f"DEMO-{number}",
            )
