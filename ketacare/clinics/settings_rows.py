"""Changing an organisation's settings row (one row per organisation and app: measures, candidacy
policy, sessions, ledger), the same way everywhere: unknown fields refused by name, the model's
own validation, created on the first change, audited with what changed."""

from django.core.exceptions import ValidationError
from django.db import models

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction


def update_organisation_settings(
    actor,
    model: type[models.Model],
    allowed_fields,
    values: dict,
    unknown_message: str = "This field cannot be set here.",
) -> models.Model:
    """Call inside the action's transaction, after its permission check."""
    unknown = sorted(set(values) - set(allowed_fields))
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, unknown_message))
    row = model.objects.select_for_update().filter(organisation_id=actor.organisation_id).first()
    created = row is None
    if created:
        row = model(organisation_id=actor.organisation_id)
    changed = sorted(name for name, value in values.items() if getattr(row, name) != value)
    before = {name: str(getattr(row, name)) for name in changed}
    for name, value in values.items():
        setattr(row, name, value)
    row.full_clean(exclude=["organisation"])
    row.save(force_insert=created)
    record_event(
        actor,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        row,
        organisation=actor.organisation,
        detail={"fields": changed, "before": before, "after": {name: str(getattr(row, name)) for name in changed}},
    )
    return row
