"""The hash chains (audit trail per organisation, ledger per organisation): how an entry's hash and
signature are computed and how a chain is checked, optionally against a signed checkpoint.

Each entry's hash covers its own content and the previous entry's hash, and entries carry a
gap-free sequence number. Altering an entry breaks its own hash; deleting one leaves a gap in the
sequence; inserting one (even with a recomputed hash) breaks the link of the entry after it.
Whoever can write the database can still rewrite an entry and recompute every later hash, or
delete the newest entries: each entry's HMAC under a key the database does not hold
(lib/chain_signing.py) catches the first, a checkpoint kept elsewhere (the head of the chain at
some time, signed) the second.
"""

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ketacare.lib.chain_signing import Keyring, canonical_bytes

GENESIS_HASH = "0" * 64


def entry_hash(content: Mapping[str, Any], previous_hash: str) -> str:
    return hashlib.sha256(previous_hash.encode() + b"\n" + canonical_bytes(content)).hexdigest()


def sign_entry(keyring: Keyring, purpose: str, stored_hash: str) -> tuple[str, str]:
    """(key id, signature) of an entry: the HMAC of its hash, which covers its content and its link."""
    return keyring.sign(purpose, stored_hash.encode())


@dataclass(frozen=True)
class ChainEntry:
    sequence: int
    content: Mapping[str, Any]
    previous_hash: str
    stored_hash: str
    key_id: str
    signature: str


@dataclass(frozen=True)
class ChainHead:
    """The newest entry of a chain as a checkpoint recorded it."""

    sequence: int
    entry_hash: str


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    kind: str  # "altered", "forged", "inserted", "missing" or "truncated"
    message: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: ChainProblem | None
    head: ChainHead | None = None  # the last entry checked

    @property
    def ok(self) -> bool:
        return self.problem is None


def _missing(first: int, last: int) -> str:
    return f"entry #{first} is" if first == last else f"entries #{first}–#{last} are"


def verify_chain(
    entries: Iterable[ChainEntry],
    keyring: Keyring,
    purpose: str,
    checkpoint: ChainHead | None = None,
    checkpoint_label: str = "",
) -> ChainReport:
    """Walk entries in sequence order; stop at the first problem.

    With `checkpoint` (this chain's head in a signed checkpoint, taken at `checkpoint_label`), the
    entry at its sequence must still have its hash, and the chain must reach it.
    """
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    head: ChainHead | None = None

    def report(sequence: int, kind: str, message: str) -> ChainReport:
        return ChainReport(checked, ChainProblem(sequence, kind, message), head)

    for entry in entries:
        if entry.sequence > expected_sequence:
            return report(
                expected_sequence,
                "missing",
                f"{_missing(expected_sequence, entry.sequence - 1)} missing (the chain jumps to #{entry.sequence})",
            )
        if entry.sequence < expected_sequence:
            return report(entry.sequence, "inserted", f"entry #{entry.sequence} appears twice or out of order")
        if entry_hash(entry.content, entry.previous_hash) != entry.stored_hash:
            return report(
                entry.sequence,
                "altered",
                f"entry #{entry.sequence} was altered: its content no longer matches its hash",
            )
        if not keyring.holds(entry.key_id):
            return report(
                entry.sequence,
                "forged",
                f"entry #{entry.sequence} is signed with key {entry.key_id!r}, which is not in the keyring "
                "(a retired key removed too early, or a forged entry)",
            )
        if not keyring.verifies(purpose, entry.stored_hash.encode(), entry.key_id, entry.signature):
            return report(
                entry.sequence,
                "forged",
                f"entry #{entry.sequence} has a wrong signature: it was written or rewritten without the key",
            )
        if entry.previous_hash != previous_hash:
            return report(
                entry.sequence,
                "inserted",
                f"entry #{entry.sequence} does not follow entry #{entry.sequence - 1}: "
                "an entry was inserted or replaced before it",
            )
        if checkpoint and entry.sequence == checkpoint.sequence and entry.stored_hash != checkpoint.entry_hash:
            return report(
                entry.sequence,
                "altered",
                f"entry #{entry.sequence} differs from the checkpoint of {checkpoint_label}: "
                "entries up to it were replaced",
            )
        previous_hash = entry.stored_hash
        head = ChainHead(entry.sequence, entry.stored_hash)
        expected_sequence += 1
        checked += 1
    if checkpoint and checked < checkpoint.sequence:
        return report(
            checked + 1,
            "truncated",
            f"{_missing(checked + 1, checkpoint.sequence)} missing since the checkpoint of {checkpoint_label}",
        )
    return ChainReport(checked, None, head)
