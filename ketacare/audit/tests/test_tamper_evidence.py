"""Tampering by someone who holds the database but not the chain key (docs/security.md): one signed
chain per organisation, checkpoints kept elsewhere, and `ketacare audit verify` naming what changed."""

import json
import os
import subprocess
import sys
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import close_old_connections, connection, transaction

from ketacare.audit.actions import lock_chain, record_event
from ketacare.audit.domain.chain import entry_hash
from ketacare.audit.guard import AUDIT_ENTRIES
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.lib.append_only import remove_guard
from ketacare.lib.chain_signing import parse_keyring


@pytest.fixture
def trails(staff, patient, other_staff, other_org_patient):
    """Ten entries in Harbor's chain, three in Elsewhere's, two without an organisation."""
    harbor = [record_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient) for _ in range(10)]
    elsewhere = [
        record_event(other_staff["nurse"], AuditAction.VIEW, other_org_patient, patient=other_org_patient)
        for _ in range(3)
    ]
    unowned = [record_event(None, AuditAction.LOGIN_FAILED, object_type="login", object_id=name) for name in "ab"]
    return {"harbor": harbor, "elsewhere": elsewhere, "unowned": unowned}


def _sql(statement, params=()):
    """As someone with the app's database rights, after dropping the append-only triggers."""
    remove_guard(connection, AUDIT_ENTRIES)
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _verify_fails(*args) -> str:
    with pytest.raises(CommandError) as caught:
        call_command("audit", "verify", *args)
    assert caught.value.returncode == 1
    return str(caught.value)


def test_each_organisation_has_its_own_chain_and_entries_without_one_another(trails, org, other_org):
    assert [entry.sequence for entry in trails["harbor"]] == list(range(1, 11))
    assert [entry.sequence for entry in trails["elsewhere"]] == [1, 2, 3]
    assert [entry.sequence for entry in trails["unowned"]] == [1, 2]
    assert {entry.organisation_id for entry in trails["elsewhere"]} == {other_org.pk}
    assert all(entry.key_id == "test" and len(entry.signature) == 64 for entry in trails["harbor"])


def test_checkpoint_appends_one_signed_line_per_run(trails, tmp_path, org, capsys):
    call_command("audit", "checkpoint", "--to", str(tmp_path))
    record_event(None, AuditAction.SECURITY, object_type="test")
    call_command("audit", "checkpoint", "--to", str(tmp_path))
    lines = (tmp_path / "ketacare-checkpoints.jsonl").read_text().splitlines()
    assert len(lines) == 2
    latest = json.loads(lines[-1])
    assert latest["kind"] == "audit" and latest["key_id"] == "test"
    heads = {chain["organisation_id"]: chain["sequence"] for chain in latest["chains"]}
    assert heads == {None: 3, org.pk: 10, trails["elsewhere"][0].organisation_id: 3}
    assert "appended to" in capsys.readouterr().out


def test_deleting_the_newest_entries_is_named_against_the_checkpoint(trails, tmp_path, org):
    call_command("audit", "checkpoint", "--to", str(tmp_path))
    newest = trails["harbor"][-4:]
    _sql("DELETE FROM audit_auditentry WHERE id IN (%s, %s, %s, %s)", [entry.pk for entry in newest])
    call_command("audit", "verify")  # the shortened chain is consistent in itself: only a checkpoint shows it
    message = _verify_fails("--checkpoint", str(tmp_path))
    assert f"organisation {org.pk}: entries #7–#10 are missing since the checkpoint of" in message


def test_a_rewritten_middle_entry_with_every_later_hash_recomputed_is_named(trails):
    # The attacker knows the hash algorithm and recomputes the chain from the rewritten entry on;
    # without the key the signatures cannot follow.
    _sql("UPDATE audit_auditentry SET object_id = %s WHERE id = %s", ["rewritten", trails["harbor"][4].pk])
    previous = trails["harbor"][3].entry_hash
    for stored in AuditEntry.objects.filter(pk__in=[entry.pk for entry in trails["harbor"][4:]]).order_by("sequence"):
        digest = entry_hash(stored.hashed_content(), previous)
        _sql(
            "UPDATE audit_auditentry SET previous_hash = %s, entry_hash = %s WHERE id = %s",
            [previous, digest, stored.pk],
        )
        previous = digest
    message = _verify_fails()
    assert "entry #5 has a wrong signature: it was written or rewritten without the key" in message


def test_a_vanished_chain_is_named(trails, tmp_path, other_org):
    call_command("audit", "checkpoint", "--to", str(tmp_path))
    _sql("DELETE FROM audit_auditentry WHERE organisation_id = %s", [other_org.pk])
    message = _verify_fails("--checkpoint", str(tmp_path))
    assert f"organisation {other_org.pk}: entries #1–#3 are missing since the checkpoint of" in message


def test_an_edited_checkpoint_is_refused(trails, tmp_path):
    call_command("audit", "checkpoint", "--to", str(tmp_path))
    path = tmp_path / "ketacare-checkpoints.jsonl"
    record = json.loads(path.read_text())
    record["chains"][0]["sequence"] -= 1
    path.write_text(json.dumps(record) + "\n")
    with pytest.raises(CommandError, match="signature is wrong") as caught:
        call_command("audit", "verify", "--checkpoint", str(path))
    assert caught.value.returncode == 2


def test_the_configured_checkpoint_path_is_the_default(trails, tmp_path, settings, org):
    settings.CHAIN_CHECKPOINT_PATH = str(tmp_path / "heads.jsonl")
    call_command("audit", "verify")  # no checkpoint written yet: nothing to compare with
    call_command("audit", "checkpoint")
    _sql("DELETE FROM audit_auditentry WHERE id = %s", [trails["harbor"][-1].pk])
    assert f"organisation {org.pk}: entry #10 is missing since the checkpoint of" in _verify_fails()


def test_after_key_rotation_entries_under_the_retired_key_still_verify(trails, settings, staff, patient, capsys):
    current = settings.CHAIN_KEYRING
    secret = current.keys[current.current_id].decode()
    settings.CHAIN_KEYRING = parse_keyring(f"2027:{'n' * 40}\ntest:{secret}")
    newer = record_event(staff["nurse"], AuditAction.VIEW, patient, patient=patient)
    assert (newer.sequence, newer.key_id) == (11, "2027")
    call_command("audit", "verify")
    assert "audit chain intact: 16 entries checked in 3 chains" in capsys.readouterr().out
    settings.CHAIN_KEYRING = parse_keyring(f"2027:{'n' * 40}")  # the retired key thrown away too early
    assert "is signed with key 'test', which is not in the keyring" in _verify_fails()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite serialises every write anyway")
@pytest.mark.django_db(transaction=True)
def test_one_organisations_chain_lock_does_not_hold_up_another(org, other_org, staff, other_staff, patient):
    """Audited reads in one clinic never wait for another clinic's audit lock."""
    locked, release = threading.Event(), threading.Event()

    def hold_harbors_lock():
        try:
            with transaction.atomic():
                lock_chain(org.pk)
                locked.set()
                release.wait(10)
        finally:
            close_old_connections()
            connection.close()

    holder = threading.Thread(target=hold_harbors_lock)
    holder.start()
    try:
        assert locked.wait(10)
        began = time.monotonic()
        record_event(other_staff["nurse"], AuditAction.LIST, object_type="patients.patient")
        assert time.monotonic() - began < 2
    finally:
        release.set()
        holder.join()


def _ketacare(*args: str, **variables: str) -> subprocess.CompletedProcess:
    environment = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("KETACARE_") and name not in {"DJANGO_SETTINGS_MODULE", "DATABASE_URL"}
    }
    return subprocess.run(
        [sys.executable, "-m", "ketacare.cli", *args],
        env={**environment, **variables},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        (None, "KETACARE_CHAIN_KEY is required unless KETACARE_DEBUG or KETACARE_DEMO_MODE is on"),
        ("no-id-here-" * 4, "KETACARE_CHAIN_KEY must be id:secret entries"),
    ],
)
def test_production_without_a_usable_chain_key_stops_with_one_line(key, problem):
    run = _ketacare("audit", "verify", KETACARE_SECRET_KEY="x", **({"KETACARE_CHAIN_KEY": key} if key else {}))
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith(f"ketacare: {problem}")
    assert "Traceback" not in run.stderr
