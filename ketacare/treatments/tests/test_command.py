"""`ketacare sessions day` and `ketacare sessions record`."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ketacare.audit.models import AuditEntry
from ketacare.treatments.tests.conftest import checked_in

pytestmark = pytest.mark.django_db


def test_day_and_record(staff, iv_world, portland, clock, tmp_path, capsys):
    nurse = staff["nurse"]
    call_command("sessions", "day", "--location", str(portland.pk), "--as-user", nurse.username)
    assert "not started" in capsys.readouterr().out
    session = checked_in(nurse, iv_world["appointment"])
    out = tmp_path / "record.pdf"
    call_command("sessions", "record", "--session", str(session.pk), "--output", str(out), "--as-user", nurse.username)
    assert out.read_bytes().startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="export", object_id=str(session.pk), actor=nurse).exists()


@pytest.mark.parametrize(
    "args, option",
    [
        (["day", "--location", "x", "--as-user", "nurse_harbor"], "--location"),
        (["day", "--location", "999999", "--as-user", "nurse_harbor"], "--location"),
        (["day", "--location", "1", "--date", "2026-13-01", "--as-user", "nurse_harbor"], "--date"),
        (["day", "--location", "1", "--as-user", "front_desk_harbor"], "--as-user"),
        (["day", "--location", "1", "--as-user", "nobody"], "--as-user"),
        (["record", "--session", "0", "--output", "/tmp/x.pdf", "--as-user", "nurse_harbor"], "--session"),
    ],
)
def test_bad_arguments_exit_2_naming_the_option(staff, portland, args, option):
    if args[0] == "day" and args[2] == "1":
        args = [*args[:2], str(portland.pk), *args[3:]]
    with pytest.raises(CommandError) as error:
        call_command("sessions", *args)
    assert error.value.returncode == 2 and str(error.value).startswith(option)
