"""The audit hash chain: how an entry's hash is computed and how a chain is checked.

Each entry's hash covers its own content and the previous entry's hash, and
entries carry a gap-free sequence number. Altering an entry breaks its own
hash; deleting one leaves a gap in the sequence; inserting one (even with a
recomputed hash) breaks the link of the entry after it.
"""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS_HASH = "0" * 64


def entry_hash(content: Mapping[str, Any], previous_hash: str) -> str:
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


@dataclass(frozen=True)
class ChainEntry:
    sequence: int
    content: Mapping[str, Any]
    previous_hash: str
    stored_hash: str


@dataclass(frozen=True)
class ChainProblem:
    sequence: int
    kind: str  # "altered", "inserted" or "missing"
    message: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(entries: Iterable[ChainEntry]) -> ChainReport:
    """Walk entries in sequence order; stop at the first problem."""
    expected_sequence = 1
    previous_hash = GENESIS_HASH
    checked = 0
    for entry in entries:
        if entry.sequence > expected_sequence:
            missing = (
                expected_sequence
                if entry.sequence == expected_sequence + 1
                else (f"{expected_sequence}-{entry.sequence - 1}")
            )
            return ChainReport(
                checked,
                ChainProblem(
                    expected_sequence,
                    "missing",
                    f"entry #{missing} is missing (the chain jumps to #{entry.sequence})",
                ),
            )
        if entry.sequence < expected_sequence:
            return ChainReport(
                checked,
                ChainProblem(
                    entry.sequence,
                    "inserted",
                    f"entry #{entry.sequence} appears twice or out of order",
                ),
            )
        if entry_hash(entry.content, entry.previous_hash) != entry.stored_hash:
            return ChainReport(
                checked,
                ChainProblem(
                    entry.sequence,
                    "altered",
                    f"entry #{entry.sequence} was altered: its content no longer matches its hash",
                ),
            )
        if entry.previous_hash != previous_hash:
            return ChainReport(
                checked,
                ChainProblem(
                    entry.sequence,
                    "inserted",
                    f"entry #{entry.sequence} does not follow entry #{entry.sequence - 1}: "
                    "an entry was inserted or replaced before it",
                ),
            )
        previous_hash = entry.stored_hash
        expected_sequence += 1
        checked += 1
    return ChainReport(checked, None)
