"""Writing the audit trail. Every other app records through record_event()."""

import ipaddress
import json
from typing import Any

from django.db import models, transaction
from django.utils import timezone

from ketacare.audit.chains import AUDIT_LOCK_CLASS, AUDIT_PURPOSE, lock_chain_of, sign
from ketacare.audit.context import current_source_address
from ketacare.audit.domain.chain import GENESIS_HASH, entry_hash
from ketacare.audit.models import AuditAction, AuditEntry


def lock_chain(organisation_id: int | None) -> None:
    """Hold the organisation's audit chain lock until the transaction ends (callers that write
    several chains take this one first: one lock order)."""
    lock_chain_of(AUDIT_LOCK_CLASS, organisation_id)


def _valid_address(address: str | None) -> str | None:
    if not address:
        return None
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None


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
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or str(obj.pk)
    actor_user = actor if getattr(actor, "is_authenticated", False) else None
    if organisation is None:
        organisation = getattr(patient, "organisation", None) or getattr(actor_user, "organisation", None)
    organisation_id = organisation.pk if organisation is not None else None
    with transaction.atomic():
        lock_chain(organisation_id)
        chain = (
            AuditEntry.objects.filter(organisation_id=organisation_id)
            if organisation_id is not None
            else AuditEntry.objects.filter(organisation__isnull=True)
        )
        last = chain.order_by("-sequence").only("sequence", "entry_hash").first()
        entry = AuditEntry(
            sequence=(last.sequence + 1) if last else 1,
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
            previous_hash=last.entry_hash if last else GENESIS_HASH,
        )
        entry.entry_hash = entry_hash(entry.hashed_content(), entry.previous_hash)
        entry.key_id, entry.signature = sign(AUDIT_PURPOSE, entry.entry_hash)
        entry.save(force_insert=True)
    return entry
