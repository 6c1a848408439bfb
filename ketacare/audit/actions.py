"""Writing the audit trail. Every other app records through record_event(), or record_events() for
several entries at once (one statement for all of them, audit/appending.py)."""

import ipaddress
import json
from collections.abc import Sequence
from typing import Any

from django.db import models
from django.utils import timezone

from ketacare.audit import appending
from ketacare.audit.context import current_source_address
from ketacare.audit.models import AuditAction, AuditEntry


def lock_chain(organisation_id: int | None) -> None:
    """Hold the organisation's audit chain lock until the transaction ends (callers that write
    several chains take this one first: one lock order). Call it inside a transaction."""
    appending.lock_head(organisation_id)


def _valid_address(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


def audit_event(
    actor,
    action: AuditAction | str,
    obj: models.Model | None = None,
    *,
    patient=None,
    organisation=None,
    object_type: str = "",
    object_id: str = "",
    detail: dict[str, Any] | None = None,
    source_address: str | None = None,
) -> AuditEntry:
    """One entry as record_event() would write it, not yet chained: for record_events()."""
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    if organisation is None:
        organisation = getattr(patient, "organisation", None) or getattr(actor_user, "organisation", None)
    return AuditEntry(
        occurred_at=timezone.now(),
        actor=actor_user,
        actor_username=actor_user.get_username() if actor_user else "",
        organisation=organisation,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        patient=patient,
        source_address=_valid_address(source_address or current_source_address.get()),
        # Stored as JSON; normalise first so the hash matches what is read back.
        detail=json.loads(json.dumps(detail or {}, default=str)),
    )


def record_events(entries: Sequence[AuditEntry]) -> list[AuditEntry]:
    """Append entries made by audit_event() to their organisations' chains, in their order: one
    statement per chain (usually one), however many entries.

    Call it inside the action's transaction, so the entries and the change they record commit or
    roll back together.
    """
    by_chain: dict[int | None, list[AuditEntry]] = {}
    for entry in entries:
        by_chain.setdefault(entry.organisation_id, []).append(entry)
    for organisation_id, chain_entries in by_chain.items():
        appending.append(organisation_id, chain_entries)
    return list(entries)


def record_event(
    actor,
    action: AuditAction | str,
    obj: models.Model | None = None,
    *,
    patient=None,
    organisation=None,
    object_type: str = "",
    object_id: str = "",
    detail: dict[str, Any] | None = None,
    source_address: str | None = None,
) -> AuditEntry:
    """Append one entry to its organisation's audit chain, chained to the one before it and signed.

    Call it inside the action's transaction, so the entry and the change it
    records commit or roll back together.
    """
    entry = audit_event(
        actor,
        action,
        obj,
        patient=patient,
        organisation=organisation,
        object_type=object_type,
        object_id=object_id,
        detail=detail,
        source_address=source_address,
    )
    return record_events([entry])[0]
