"""Reads of charges (BILLING_VIEW, the caller's organisation only): one charge, the worklist, a record's charges."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.models import Charge, ChargeStatus
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient

WORKLIST_LIMIT = 500


def _charges_for(user) -> QuerySet[Charge]:
    require_permission(user, Permission.BILLING_VIEW)
    return Charge.objects.filter(organisation_id=user.organisation_id).select_related(
        "patient", "location", "rendering_provider", "prior_authorization"
    )


def access_charge_by_id(user, charge_id: int, *, for_update: bool = False) -> Charge:
    """One charge of the user's organisation; 404 for another organisation's or an unknown id."""
    charges = _charges_for(user).filter(pk=db_id_or_zero(charge_id))
    if for_update:
        charges = charges.select_for_update(of=("self",))
    charge = charges.first()
    if charge is None:
        raise Http404("No such charge")
    return charge


@dataclass(frozen=True)
class ChargeFilters:
    status: str = ChargeStatus.DRAFT
    location_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    patient_id: int | None = None


def charge_worklist(user, filters: ChargeFilters = ChargeFilters()) -> list[Charge]:
    """Charges to review (drafts by default), oldest service date first, audited as a list (patient names show)."""
    charges = _charges_for(user)
    if filters.status:
        charges = charges.filter(status=filters.status)
    if filters.location_id:
        charges = charges.filter(location_id=filters.location_id)
    if filters.date_from:
        charges = charges.filter(service_date__gte=filters.date_from)
    if filters.date_to:
        charges = charges.filter(service_date__lte=filters.date_to)
    if filters.patient_id:
        charges = charges.filter(patient_id=db_id_or_zero(filters.patient_id))
    rows = list(charges.order_by("service_date", "patient_id", "id")[:WORKLIST_LIMIT])
    record_event(
        user,
        AuditAction.LIST,
        organisation=user.organisation,
        object_type="billing.charge",
        detail={"status": filters.status, "count": len(rows)},
    )
    return rows


def patient_id_by_record_number(user, record_number: str) -> int | None:
    """The id of the organisation's patient with this record number (a manual charge names them so), or None."""
    require_permission(user, Permission.BILLING_VIEW)
    return (
        Patient.objects.filter(
            organisation_id=user.organisation_id, record_number=record_number.strip(), merged_into__isnull=True
        )
        .values_list("pk", flat=True)
        .first()
    )
