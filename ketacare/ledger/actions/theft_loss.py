"""Theft and significant loss: the report with its two deadlines (written notice, DEA Form 106),
the quantities lost booked against it, and later the notice sent and the form filed."""

import datetime as dt
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.ledger.actions.common import append_entry, audit_entry, locked_vial, own_location, positive_decimal
from ketacare.ledger.domain.deadlines import report_deadlines
from ketacare.ledger.models import EntryKind, LedgerSettings, TheftLossKind, TheftLossReport
from ketacare.ledger.selectors.stock import location_today
from ketacare.lib.text import clean_text


@transaction.atomic
def do_report_theft_loss(
    actor,
    *,
    location_id: int,
    kind: str,
    discovered_on: dt.date,
    description: str,
    losses: list[tuple[int, Decimal]] = (),
) -> TheftLossReport:
    """A theft or significant loss, with its deadlines; each (vial_id, quantity_mg) lost is booked."""
    require_permission(actor, Permission.LEDGER_RECORD)
    location = own_location(actor, location_id)
    if kind not in TheftLossKind.values:
        raise ValidationError({"kind": "Choose theft or loss."})
    if not isinstance(discovered_on, dt.date):
        raise ValidationError({"discovered_on": "Give the date of discovery."})
    if discovered_on > location_today(location):
        raise ValidationError({"discovered_on": "This is in the future."})
    description = clean_text("description", description, required=True)
    rules = LedgerSettings.for_organisation(actor.organisation_id)
    due = report_deadlines(
        discovered_on, notice_business_days=rules.theft_notice_business_days, form_106_days=rules.form_106_days
    )
    report = TheftLossReport.objects.create(
        organisation_id=actor.organisation_id,
        location=location,
        kind=kind,
        discovered_on=discovered_on,
        description=description,
        written_notice_due=due.written_notice_due,
        form_106_due=due.form_106_due,
        created_by=actor,
    )
    record_event(actor, AuditAction.CREATE, report, detail={"kind": kind, "discovered_on": str(discovered_on)})
    for vial_id, quantity_mg in losses:
        quantity = positive_decimal(quantity_mg, "quantity_mg")
        vial = locked_vial(actor, vial_id)
        if vial.location_id != location.pk:
            raise ValidationError({"vial_id": f"Vial {vial.identifier} is kept at {vial.location.name}."})
        entry = append_entry(actor, vial, EntryKind(kind), -quantity, report=report, reason=description)
        audit_entry(actor, entry, report=report.pk)
    return report


@transaction.atomic
def do_update_theft_loss_report(
    actor,
    report_id: int,
    *,
    written_notice_sent_on: dt.date | None = None,
    form_106_filed_on: dt.date | None = None,
    form_106_reference: str = "",
) -> TheftLossReport:
    """Record that the written notice was sent and/or DEA Form 106 filed."""
    require_permission(actor, Permission.LEDGER_REPORT)
    report = (
        TheftLossReport.objects.select_for_update().filter(pk=report_id, organisation_id=actor.organisation_id).first()
    )
    if report is None:
        raise ValidationError({"report_id": "No such report in your clinic."})
    today = location_today(report.location)
    for field, value in (("written_notice_sent_on", written_notice_sent_on), ("form_106_filed_on", form_106_filed_on)):
        if value is None:
            continue
        if value < report.discovered_on or value > today:
            raise ValidationError({field: "Give a date between the discovery and today."})
        setattr(report, field, value)
    reference = clean_text("form_106_reference", form_106_reference, max_chars=60)
    if reference:
        report.form_106_reference = reference
    if report.form_106_filed_on and not report.form_106_reference:
        raise ValidationError({"form_106_reference": "Give the Form 106 confirmation number."})
    report.save()
    record_event(
        actor,
        AuditAction.UPDATE,
        report,
        detail={
            "written_notice_sent_on": str(report.written_notice_sent_on or ""),
            "form_106_filed_on": str(report.form_106_filed_on or ""),
        },
    )
    return report
