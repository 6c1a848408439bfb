from ketacare.audit.domain.chain import GENESIS_HASH, ChainEntry, entry_hash, verify_chain


def build_chain(n: int) -> list[ChainEntry]:
    entries, previous = [], GENESIS_HASH
    for sequence in range(1, n + 1):
        content = {"sequence": sequence, "action": "view", "object_id": str(sequence)}
        digest = entry_hash(content, previous)
        entries.append(ChainEntry(sequence, content, previous, digest))
        previous = digest
    return entries


def test_an_intact_chain_reports_its_length():
    report = verify_chain(build_chain(5))
    assert report.ok and report.checked == 5


def test_an_altered_entry_is_named():
    entries = build_chain(5)
    changed = dict(entries[2].content, object_id="999")
    entries[2] = ChainEntry(3, changed, entries[2].previous_hash, entries[2].stored_hash)
    report = verify_chain(entries)
    assert (report.problem.sequence, report.problem.kind, report.checked) == (3, "altered", 2)


def test_a_missing_entry_is_named():
    entries = build_chain(5)
    del entries[3]
    report = verify_chain(entries)
    assert (report.problem.sequence, report.problem.kind) == (4, "missing")


def test_an_inserted_entry_with_a_recomputed_hash_is_caught_by_the_next_link():
    entries = build_chain(3)
    forged_content = {"sequence": 2, "action": "view", "object_id": "forged"}
    forged = ChainEntry(2, forged_content, entries[0].stored_hash, entry_hash(forged_content, entries[0].stored_hash))
    entries[1] = forged
    report = verify_chain(entries)
    assert (report.problem.sequence, report.problem.kind) == (3, "inserted")
