from ketacare.audit.domain.chain import GENESIS_HASH, ChainEntry, ChainHead, entry_hash, sign_entry, verify_chain
from ketacare.lib.chain_signing import parse_keyring

PURPOSE = "test chain"
KEYRING = parse_keyring("k1:" + "s" * 32)
ATTACKER_KEYRING = parse_keyring("k1:" + "a" * 32)  # same key id, a guessed secret


def build_chain(n: int, keyring=KEYRING, start: list[ChainEntry] | None = None) -> list[ChainEntry]:
    entries = list(start or [])
    previous = entries[-1].stored_hash if entries else GENESIS_HASH
    for sequence in range(len(entries) + 1, len(entries) + n + 1):
        content = {"sequence": sequence, "action": "view", "object_id": str(sequence)}
        digest = entry_hash(content, previous)
        entries.append(ChainEntry(sequence, content, previous, digest, *sign_entry(keyring, PURPOSE, digest)))
        previous = digest
    return entries


def rewritten_from(entries: list[ChainEntry], index: int, keyring=ATTACKER_KEYRING) -> list[ChainEntry]:
    """Entry `index` changed and every hash from it recomputed, signed with `keyring`."""
    result, previous = entries[:index], entries[index - 1].stored_hash if index else GENESIS_HASH
    for entry in entries[index:]:
        content = dict(entry.content, object_id="999") if entry is entries[index] else entry.content
        digest = entry_hash(content, previous)
        result.append(ChainEntry(entry.sequence, content, previous, digest, *sign_entry(keyring, PURPOSE, digest)))
        previous = digest
    return result


def test_an_intact_chain_reports_its_length_and_head():
    entries = build_chain(5)
    report = verify_chain(entries, KEYRING, PURPOSE)
    assert report.ok and report.checked == 5
    assert report.head == ChainHead(5, entries[-1].stored_hash)


def test_an_altered_entry_is_named():
    entries = build_chain(5)
    changed = dict(entries[2].content, object_id="999")
    entries[2] = ChainEntry(3, changed, entries[2].previous_hash, entries[2].stored_hash, "k1", entries[2].signature)
    report = verify_chain(entries, KEYRING, PURPOSE)
    assert (report.problem.sequence, report.problem.kind, report.checked) == (3, "altered", 2)


def test_a_missing_entry_is_named():
    entries = build_chain(5)
    del entries[3]
    report = verify_chain(entries, KEYRING, PURPOSE)
    assert (report.problem.sequence, report.problem.kind) == (4, "missing")


def test_a_rewritten_middle_entry_with_every_later_hash_recomputed_is_caught_by_its_signature():
    report = verify_chain(rewritten_from(build_chain(6), 2), KEYRING, PURPOSE)
    assert (report.problem.sequence, report.problem.kind, report.checked) == (3, "forged", 2)
    assert "without the key" in report.problem.message


def test_an_entry_signed_with_an_unknown_key_is_named():
    entries = rewritten_from(build_chain(3), 1, keyring=parse_keyring("other:" + "o" * 32))
    report = verify_chain(entries, KEYRING, PURPOSE)
    assert (report.problem.sequence, report.problem.kind) == (2, "forged")
    assert "'other'" in report.problem.message


def test_a_signature_for_another_purpose_does_not_verify():
    entries = build_chain(2)
    assert not verify_chain(entries, KEYRING, "another chain").ok


def test_a_replayed_entry_with_a_valid_signature_is_caught_by_the_next_link():
    entries = build_chain(3)
    forged_content = {"sequence": 2, "action": "view", "object_id": "forged"}
    digest = entry_hash(forged_content, entries[0].stored_hash)
    entries[1] = ChainEntry(2, forged_content, entries[0].stored_hash, digest, *sign_entry(KEYRING, PURPOSE, digest))
    report = verify_chain(entries, KEYRING, PURPOSE)
    assert (report.problem.sequence, report.problem.kind) == (3, "inserted")


def test_a_tail_deleted_since_the_checkpoint_is_named():
    entries = build_chain(10)
    checkpoint = ChainHead(10, entries[-1].stored_hash)
    report = verify_chain(entries[:7], KEYRING, PURPOSE, checkpoint, "2026-12-07 01:00:00 UTC")
    assert (report.problem.sequence, report.problem.kind, report.checked) == (8, "truncated", 7)
    assert report.problem.message == "entries #8–#10 are missing since the checkpoint of 2026-12-07 01:00:00 UTC"


def test_a_chain_emptied_since_the_checkpoint_is_named():
    entries = build_chain(3)
    report = verify_chain([], KEYRING, PURPOSE, ChainHead(3, entries[-1].stored_hash), "then")
    assert report.problem.message == "entries #1–#3 are missing since the checkpoint of then"


def test_a_chain_rebuilt_with_the_key_still_differs_from_the_checkpoint():
    # Whoever holds the key can re-sign a rewritten chain; a checkpoint kept elsewhere still shows it.
    entries = build_chain(5)
    checkpoint = ChainHead(4, entries[3].stored_hash)
    report = verify_chain(rewritten_from(entries, 1, keyring=KEYRING), KEYRING, PURPOSE, checkpoint, "then")
    assert (report.problem.sequence, report.problem.kind) == (4, "altered")


def test_a_chain_grown_since_the_checkpoint_verifies():
    entries = build_chain(5)
    checkpoint = ChainHead(3, entries[2].stored_hash)
    assert verify_chain(entries, KEYRING, PURPOSE, checkpoint, "then").ok


def test_after_rotation_entries_under_the_retired_key_still_verify():
    old = parse_keyring("2026a:" + "o" * 32)
    rotated = parse_keyring("2026b:" + "n" * 32 + "\n2026a:" + "o" * 32)
    entries = build_chain(3, keyring=rotated, start=build_chain(3, keyring=old))
    assert [entry.key_id for entry in entries] == ["2026a"] * 3 + ["2026b"] * 3
    assert verify_chain(entries, rotated, PURPOSE).ok
    assert verify_chain(entries, old, PURPOSE).problem.sequence == 4  # the new key must stay with the keyring
