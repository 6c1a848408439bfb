"""The signed chains in the database: the keyring, one lock per chain, and verifying the audit
trail's chains, optionally against a checkpoint (audit/checkpoints.py). The ledger verifies its
own chains with the same functions (ledger/selectors/reports.py); audit appends lock their chain's
head row (audit/appending.py), the ledger an advisory lock per chain (lock_chain_of).

One chain per organisation, plus one for entries that belong to none (failed sign-ins of unknown
users, system events): an audited read in one clinic never waits for another clinic's lock.
"""

from collections.abc import Callable, Iterable, Iterator

from django.conf import settings
from django.db import connection, models

from ketacare.audit.checkpoints import Checkpoint
from ketacare.audit.domain.chain import ChainEntry, ChainReport, sign_entry, verify_chain
from ketacare.audit.models import AuditEntry
from ketacare.lib.chain_signing import Keyring

AUDIT_PURPOSE = "ketacare audit entry"
LEDGER_PURPOSE = "ketacare ledger entry"
BATCH_SIZE = 2000

OrganisationId = int | None


def keyring() -> Keyring:
    return settings.CHAIN_KEYRING


def sign(purpose: str, stored_hash: str) -> tuple[str, str]:
    """(key id, signature) for a new entry under the current key."""
    return sign_entry(keyring(), purpose, stored_hash)


def lock_chain_of(lock_class: int, organisation_id: OrganisationId) -> None:
    """Hold the chain's lock until the transaction ends (PostgreSQL advisory lock per chain)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [lock_class, organisation_id or 0])
    # SQLite: transactions start with BEGIN IMMEDIATE (settings), which already holds the database
    # write lock here.


def chain_label(organisation_id: OrganisationId) -> str:
    return f"organisation {organisation_id}" if organisation_id is not None else "entries without an organisation"


def chain_entries(queryset: models.QuerySet, batch_size: int = BATCH_SIZE) -> Iterator[ChainEntry]:
    """One chain's entries in sequence order. Keyset pages rather than a server-side cursor:
    verification may stop early, and nothing is left open on the connection when it does."""
    last_sequence = 0
    while True:
        batch = list(queryset.filter(sequence__gt=last_sequence).order_by("sequence")[:batch_size])
        if not batch:
            return
        yield from (entry.as_chain_entry() for entry in batch)
        last_sequence = batch[-1].sequence


def verify_one(
    entries: Iterable[ChainEntry], purpose: str, organisation_id: OrganisationId, checkpoint: Checkpoint | None
) -> ChainReport:
    head = checkpoint.heads.get(organisation_id) if checkpoint else None
    label = checkpoint.label if checkpoint else ""
    return verify_chain(entries, keyring(), purpose, head, label)


def verify_chains(
    organisation_ids: Iterable[OrganisationId],
    entries_of: Callable[[OrganisationId], Iterable[ChainEntry]],
    purpose: str,
    checkpoint: Checkpoint | None,
) -> list[tuple[OrganisationId, ChainReport]]:
    """Every chain named in the database or in the checkpoint (a chain whose entries all vanished is
    only in the checkpoint), in organisation order, the unowned chain first."""
    known = set(organisation_ids) | (set(checkpoint.heads) if checkpoint else set())
    ordered = sorted(known, key=lambda organisation_id: (organisation_id is not None, organisation_id or 0))
    return [
        (organisation_id, verify_one(entries_of(organisation_id), purpose, organisation_id, checkpoint))
        for organisation_id in ordered
    ]


def audit_chain(organisation_id: OrganisationId) -> models.QuerySet:
    """The entries of one organisation's audit chain (None: the entries without one)."""
    if organisation_id is None:
        return AuditEntry.objects.filter(organisation__isnull=True)
    return AuditEntry.objects.filter(organisation_id=organisation_id)


def audit_entries_of(organisation_id: OrganisationId) -> Iterator[ChainEntry]:
    return chain_entries(audit_chain(organisation_id))


def audit_chain_ids() -> set[OrganisationId]:
    return set(AuditEntry.objects.values_list("organisation_id", flat=True).distinct().order_by())


def verify_audit(
    checkpoint: Checkpoint | None = None, organisation_ids: Iterable[OrganisationId] | None = None
) -> list[tuple[OrganisationId, ChainReport]]:
    """The audit chains (all, or the given organisations'), each checked end to end."""
    if organisation_ids is not None:
        wanted = set(organisation_ids)
        if checkpoint:
            checkpoint = checkpoint.restricted_to(wanted)
        return verify_chains(wanted, audit_entries_of, AUDIT_PURPOSE, checkpoint)
    return verify_chains(audit_chain_ids(), audit_entries_of, AUDIT_PURPOSE, checkpoint)
