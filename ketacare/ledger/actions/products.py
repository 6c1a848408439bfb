"""Setting up the ledger: the clinic's ledger settings, each location's DEA registration, products."""

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.ledger.actions.common import own_location, positive_decimal
from ketacare.ledger.domain.quantities import UNIT_DEVICE
from ketacare.ledger.models import LedgerSettings, Product, Registration
from ketacare.lib.text import clean_text


@transaction.atomic
def do_update_ledger_settings(actor, **values) -> LedgerSettings:
    require_permission(actor, Permission.LEDGER_REPORT)
    fields = ("retention_years", "waste_witness_required", "theft_notice_business_days", "form_106_days")
    return update_organisation_settings(actor, LedgerSettings, fields, values)


@transaction.atomic
def do_save_registration(actor, *, location_id: int, registrant_name: str, dea_number: str) -> Registration:
    """The location's DEA registration, printed on its reports."""
    require_permission(actor, Permission.LEDGER_REPORT)
    location = own_location(actor, location_id)
    registration = Registration.objects.filter(location=location).first() or Registration(location=location)
    registration.registrant_name = clean_text("registrant_name", registrant_name, required=True, max_chars=200)
    registration.dea_number = clean_text("dea_number", dea_number, required=True, max_chars=9).upper()
    if not (
        len(registration.dea_number) == 9
        and registration.dea_number[:2].isalpha()
        and registration.dea_number[2:].isdigit()
    ):
        raise ValidationError({"dea_number": "A DEA number is 2 letters and 7 digits, e.g. AB1234563."})
    registration.save()
    record_event(
        actor,
        AuditAction.UPDATE,
        registration,
        detail={
            "location": location.name,
            "dea_number": registration.dea_number,
        },
    )
    return registration


@transaction.atomic
def do_create_product(
    actor, *, drug: str, name: str, ndc: str, unit: str, strength_mg_per_unit, units_per_container
) -> Product:
    require_permission(actor, Permission.LEDGER_REPORT)
    product = Product(
        organisation_id=actor.organisation_id,
        drug=drug,
        name=clean_text("name", name, required=True, max_chars=200),
        ndc=clean_text("ndc", ndc, required=True, max_chars=13),
        unit=unit,
        strength_mg_per_unit=positive_decimal(strength_mg_per_unit, "strength_mg_per_unit"),
        units_per_container=positive_decimal(units_per_container, "units_per_container"),
    )
    if unit == UNIT_DEVICE and product.units_per_container != product.units_per_container.to_integral_value():
        raise ValidationError({"units_per_container": "A kit holds a whole number of devices."})
    if Product.objects.filter(organisation_id=actor.organisation_id, ndc=product.ndc).exists():
        raise ValidationError({"ndc": "Your clinic already has a product with this NDC."})
    product.full_clean()
    product.save()
    record_event(actor, AuditAction.CREATE, product, detail={"ndc": product.ndc, "name": product.name})
    return product
