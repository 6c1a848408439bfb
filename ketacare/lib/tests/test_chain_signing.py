"""The signing of the audit and ledger chains and their checkpoints: keyrings, HMACs, canonical bytes."""

import pytest

from ketacare.lib.chain_signing import (
    DEV_KEY_ID,
    KeyringError,
    canonical_bytes,
    dev_keyring,
    parse_keyring,
    record_signature_ok,
    same_digest,
    sign_record,
)

SECRET = "x" * 32


def test_canonical_bytes_do_not_depend_on_key_order_or_spacing():
    assert canonical_bytes({"b": 1, "a": [1, "é"]}) == canonical_bytes({"a": [1, "é"], "b": 1})
    assert canonical_bytes({"b": 1, "a": "é"}) == b'{"a":"\\u00e9","b":1}'


def test_the_first_key_signs_and_every_key_verifies():
    keyring = parse_keyring(f"new:{'n' * 32}, old:{SECRET}")
    assert keyring.current_id == "new"
    key_id, signature = keyring.sign("audit", b"payload")
    assert key_id == "new" and len(signature) == 64
    old_signature = parse_keyring(f"old:{SECRET}").sign("audit", b"payload")[1]
    assert keyring.verifies("audit", b"payload", "old", old_signature)
    assert keyring.verifies("audit", b"payload", "new", signature)


def test_keys_may_be_one_per_line_as_in_a_key_file():
    keyring = parse_keyring(f"\nnew:{'n' * 32}\nold:{SECRET}\n")
    assert (keyring.current_id, set(keyring.keys)) == ("new", {"new", "old"})


def test_a_signature_fails_for_other_payloads_purposes_keys_and_unknown_key_ids():
    keyring = parse_keyring(f"k:{SECRET}")
    _, signature = keyring.sign("audit", b"payload")
    assert not keyring.verifies("audit", b"payload!", "k", signature)
    assert not keyring.verifies("ledger", b"payload", "k", signature)
    assert not parse_keyring(f"k:{'y' * 32}").verifies("audit", b"payload", "k", signature)
    assert not keyring.verifies("audit", b"payload", "missing", signature)


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("", "holds no key"),
        (SECRET, "must be id:secret"),
        (f"bad id:{SECRET}", "must be id:secret"),
        ("k:short", "at least 32 characters"),
        (f"k:{SECRET},k:{SECRET}", "appears twice"),
    ],
)
def test_a_bad_keyring_says_what_is_wrong_without_the_secret(text, problem):
    with pytest.raises(KeyringError, match=problem) as caught:
        parse_keyring(text)
    assert SECRET not in str(caught.value)


def test_the_development_key_is_derived_from_the_secret_key_and_not_equal_to_it():
    keyring = dev_keyring("django-secret")
    assert keyring.current_id == DEV_KEY_ID
    assert keyring.keys[DEV_KEY_ID] != b"django-secret"
    assert keyring == dev_keyring("django-secret") and keyring != dev_keyring("other")


def test_a_signed_record_verifies_until_any_field_changes():
    keyring = parse_keyring(f"k:{SECRET}")
    record = sign_record(keyring, "checkpoint", {"kind": "audit", "chains": [{"sequence": 5}]})
    assert record_signature_ok(keyring, "checkpoint", record)
    assert not record_signature_ok(keyring, "checkpoint", {**record, "chains": [{"sequence": 4}]})
    assert not record_signature_ok(keyring, "other", record)
    assert not record_signature_ok(keyring, "checkpoint", {"kind": "audit", "chains": []})


def test_digests_compare_equal_only_when_identical():
    assert same_digest("ab" * 32, "ab" * 32)
    assert not same_digest("ab" * 32, "ab" * 31 + "ac")
