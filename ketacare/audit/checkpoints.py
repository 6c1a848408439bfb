"""Checkpoints: the head of every chain (organisation, sequence, hash) at a time, signed, appended as
one JSON line to a file the operator keeps away from the database (docs/security.md).

`verify` compares the chains with the latest checkpoint of their kind: entries deleted from the
end of a chain, or a whole chain gone, since then are named. Without the key nobody can write a
checkpoint that verifies, so an attacker who holds the database cannot make one match a shortened
chain.
"""

import datetime as dt
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from ketacare.audit.domain.chain import ChainHead
from ketacare.lib.chain_signing import record_signature_ok, sign_record

CHECKPOINT_PURPOSE = "ketacare chain checkpoint"
FILE_IN_DIRECTORY = "ketacare-checkpoints.jsonl"
KINDS = ("audit", "ledger")


class CheckpointError(Exception):
    """A checkpoint file that cannot be used; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Checkpoint:
    kind: str  # "audit" or "ledger"
    taken_at: dt.datetime
    heads: Mapping[int | None, ChainHead]  # by organisation id (None: entries without one)

    @property
    def label(self) -> str:
        return f"{self.taken_at:%Y-%m-%d %H:%M:%S} UTC"

    def restricted_to(self, organisation_ids: Iterable[int | None]) -> "Checkpoint":
        wanted = set(organisation_ids)
        heads = {key: head for key, head in self.heads.items() if key in wanted}
        return Checkpoint(self.kind, self.taken_at, heads)

    def as_record(self) -> dict:
        chains = [
            {"organisation_id": organisation_id, "sequence": head.sequence, "entry_hash": head.entry_hash}
            for organisation_id, head in sorted(
                self.heads.items(), key=lambda item: (item[0] is not None, item[0] or 0)
            )
        ]
        return {"kind": self.kind, "taken_at": self.taken_at.isoformat(), "chains": chains}


def checkpoint_file(path: str | os.PathLike) -> Path:
    """The file a checkpoint path means: the path itself, or a fixed file name in a directory."""
    resolved = Path(path)
    return resolved / FILE_IN_DIRECTORY if resolved.is_dir() else resolved


def default_checkpoint_path() -> str:
    return settings.CHAIN_CHECKPOINT_PATH


def write_checkpoint(path: str | os.PathLike, checkpoint: Checkpoint) -> Path:
    """Append the signed checkpoint as one line; flushed to disk before returning."""
    target = checkpoint_file(path)
    line = json.dumps(sign_record(settings.CHAIN_KEYRING, CHECKPOINT_PURPOSE, checkpoint.as_record()))
    try:
        with target.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise CheckpointError(f"{target}: cannot write: {exc.strerror}") from None
    return target


def _parsed(record: dict, where: str) -> Checkpoint:
    try:
        heads = {
            chain["organisation_id"]: ChainHead(int(chain["sequence"]), str(chain["entry_hash"]))
            for chain in record["chains"]
        }
        taken_at = dt.datetime.fromisoformat(record["taken_at"])
        return Checkpoint(str(record["kind"]), taken_at, heads)
    except (KeyError, TypeError, ValueError):
        raise CheckpointError(f"{where}: not a checkpoint") from None


def latest_checkpoint(path: str | os.PathLike, kind: str) -> Checkpoint:
    """The last `kind` checkpoint in the file, its signature checked."""
    target = checkpoint_file(path)
    try:
        lines = target.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise CheckpointError(f"{target}: cannot read: {exc.strerror}") from None
    for number in range(len(lines), 0, -1):
        text = lines[number - 1].strip()
        if not text:
            continue
        where = f"{target} line {number}"
        try:
            record = json.loads(text)
        except ValueError:
            raise CheckpointError(f"{where}: not a checkpoint (not JSON)") from None
        if not isinstance(record, dict) or record.get("kind") != kind:
            continue
        if not record_signature_ok(settings.CHAIN_KEYRING, CHECKPOINT_PURPOSE, record):
            raise CheckpointError(
                f"{where}: the checkpoint's signature is wrong (edited, or signed with a key not in the keyring)"
            )
        return _parsed(record, where)
    raise NoCheckpointYet(f"{target}: holds no {kind} checkpoint")


class NoCheckpointYet(CheckpointError):
    """The file holds no checkpoint of the kind asked for."""


def configured_checkpoint(kind: str, path: str | os.PathLike | None = None) -> Checkpoint | None:
    """The latest `kind` checkpoint at `path` (default: KETACARE_CHAIN_CHECKPOINT_PATH); None when no
    path is set or none has been written there yet. CheckpointError for a file that cannot be used."""
    path = path or default_checkpoint_path()
    if not path or not checkpoint_file(path).exists():
        return None
    try:
        return latest_checkpoint(path, kind)
    except NoCheckpointYet:
        return None
