"""Signing of the hash chains (audit trail, controlled-substance ledger) and of their checkpoints.

A hash chain alone proves nothing to someone who can write the database: they can rewrite an entry
and recompute every later hash. Each entry therefore also carries an HMAC-SHA256 under a key the
database does not hold (setting KETACARE_CHAIN_KEY), with the id of that key, so keys can rotate:
the keyring holds the current key, which signs, and the retired ones, which still verify.
docs/security.md describes the threat model and the rotation procedure.

Pure: no Django. `purpose` separates what is signed (an audit entry, a ledger entry, a checkpoint),
so a signature made for one kind of record is never valid for another.
"""

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

KEY_ID = re.compile(r"[A-Za-z0-9_.-]{1,32}")
MIN_SECRET_CHARS = 32
DEV_KEY_ID = "dev"


class KeyringError(ValueError):
    """A keyring text that cannot be read; the message says what is wrong (never the secret)."""


def canonical_bytes(content: Mapping[str, Any]) -> bytes:
    """One byte string per content: keys sorted, no spaces, ASCII; non-JSON values as str()."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"), default=str).encode()


def same_digest(first: str, second: str) -> bool:
    """Compare two hex digests in constant time (no timing hint of how much of a forgery matched)."""
    return hmac.compare_digest(first.encode(), second.encode())


def _mac(secret: bytes, purpose: str, payload: bytes) -> str:
    return hmac.new(secret, purpose.encode() + b"\n" + payload, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Keyring:
    """The signing keys by id; `current_id` signs, every key verifies."""

    current_id: str
    keys: Mapping[str, bytes] = field(repr=False)

    def __post_init__(self) -> None:
        if self.current_id not in self.keys:
            raise KeyringError(f"the current key {self.current_id!r} is not in the keyring")

    def sign(self, purpose: str, payload: bytes) -> tuple[str, str]:
        """(key id, HMAC-SHA256 hex) of `payload` under the current key."""
        return self.current_id, _mac(self.keys[self.current_id], purpose, payload)

    def holds(self, key_id: str) -> bool:
        return key_id in self.keys

    def verifies(self, purpose: str, payload: bytes, key_id: str, signature: str) -> bool:
        """Whether `signature` is the HMAC of `payload` under the key `key_id` (False for an unknown key)."""
        secret = self.keys.get(key_id)
        return secret is not None and same_digest(_mac(secret, purpose, payload), signature)


def parse_keyring(text: str) -> Keyring:
    """A keyring from `id:secret` entries, one per line or separated by commas; the first one signs.

    Ids are letters, digits, `_`, `.` and `-` (up to 32); secrets at least 32 characters.
    """
    keys: dict[str, bytes] = {}
    for raw in re.split(r"[,\n]", text):
        item = raw.strip()
        if not item:
            continue
        key_id, colon, secret = item.partition(":")
        key_id, secret = key_id.strip(), secret.strip()
        if not colon or not KEY_ID.fullmatch(key_id):
            raise KeyringError("must be id:secret entries (id: letters, digits, _ . -), one per line or comma")
        if len(secret) < MIN_SECRET_CHARS:
            raise KeyringError(f"key {key_id!r}: the secret must be at least {MIN_SECRET_CHARS} characters")
        if key_id in keys:
            raise KeyringError(f"key {key_id!r} appears twice")
        keys[key_id] = secret.encode()
    if not keys:
        raise KeyringError("holds no key")
    return Keyring(next(iter(keys)), keys)


def dev_keyring(secret_key: str) -> Keyring:
    """Development and demo only: a key derived from Django's SECRET_KEY (which the database does not
    hold either, but which lives with the app); production names its own key."""
    derived = hmac.new(secret_key.encode(), b"ketacare chain key (development)", hashlib.sha256).hexdigest()
    return Keyring(DEV_KEY_ID, {DEV_KEY_ID: derived.encode()})


def sign_record(keyring: Keyring, purpose: str, record: Mapping[str, Any]) -> dict[str, Any]:
    """`record` with `key_id` and `signature` added: an HMAC over its canonical bytes (a checkpoint)."""
    unsigned = {name: value for name, value in record.items() if name not in ("key_id", "signature")}
    key_id, signature = keyring.sign(purpose, canonical_bytes(unsigned))
    return {**unsigned, "key_id": key_id, "signature": signature}


def record_signature_ok(keyring: Keyring, purpose: str, record: Mapping[str, Any]) -> bool:
    """Whether a record made by sign_record() is unchanged and signed by a key of `keyring`."""
    key_id, signature = record.get("key_id"), record.get("signature")
    if not isinstance(key_id, str) or not isinstance(signature, str):
        return False
    unsigned = {name: value for name, value in record.items() if name not in ("key_id", "signature")}
    return keyring.verifies(purpose, canonical_bytes(unsigned), key_id, signature)
