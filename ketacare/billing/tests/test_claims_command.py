"""`ketacare billing export-837p`: the file of the ready claims; bad input names the option and exits 2."""

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from ketacare.billing.actions.claims import do_build_claims, do_change_claim_status
from ketacare.billing.models import ClaimExport, ClaimStatus


@pytest.fixture
def ready_claim(claims_ready_org, patient, medicare, portland, staff, insure, make_final_charge):
    insure(patient, medicare, staff["billing"])
    make_final_charge(
        patient, portland, staff["billing"], service_date=dt.date(2026, 12, 1), rendering_provider=staff["prescriber"]
    )
    claim = do_build_claims(staff["billing"])[0]
    return do_change_claim_status(staff["billing"], claim.pk, status="ready")


def test_export_837p_writes_the_file(ready_claim, tmp_path, x12_problems, capsys):
    output = tmp_path / "claims.x12"
    call_command("billing", "export-837p", "--output", str(output), "--from", "2026-12-01", "--to", "2026-12-31")
    text = output.read_text()
    assert x12_problems(text) == []
    assert "CLM*C000001*1289.82" in text
    assert "wrote 837P file 000000001 with 1 claim to" in capsys.readouterr().out
    ready_claim.refresh_from_db()
    assert ready_claim.status == ClaimStatus.SENT
    assert ClaimExport.objects.get().created_by.role in ("billing", "clinic_admin")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--from", "Dec 1"], "--from: Give a date as YYYY-MM-DD."),
        (["--to", "2026-13-01"], "--to: Give a date as YYYY-MM-DD."),
        (["--from", "2026-12-05", "--to", "2026-12-01"], "--to: The last day is before the first."),
        (["--from", "2027-01-01"], "--from/--to: No claims are ready to send for these dates."),
        (["--organisation", "nowhere"], "--organisation: no organisation 'nowhere'."),
        (["--as-user", "nurse_harbor"], "--as-user: nurse_harbor may not manage claims."),
    ],
)
def test_bad_input_names_the_option_and_changes_nothing(ready_claim, tmp_path, arguments, message):
    output = tmp_path / "claims.x12"
    with pytest.raises(CommandError) as error:
        call_command("billing", "export-837p", "--output", str(output), *arguments)
    assert error.value.returncode == 2 and str(error.value) == message
    assert not output.exists() and not ClaimExport.objects.exists()
    ready_claim.refresh_from_db()
    assert ready_claim.status == ClaimStatus.READY


def test_an_unwritable_output_leaves_the_claims_ready(ready_claim, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("billing", "export-837p", "--output", str(tmp_path / "missing" / "claims.x12"))
    assert error.value.returncode == 2 and str(error.value).startswith("--output: cannot write")
    ready_claim.refresh_from_db()
    assert ready_claim.status == ClaimStatus.READY and not ClaimExport.objects.exists()


def test_several_organisations_need_the_slug(ready_claim, other_org, tmp_path):
    with pytest.raises(CommandError) as error:
        call_command("billing", "export-837p", "--output", str(tmp_path / "c.x12"))
    assert str(error.value) == "--organisation: give the organisation's slug."
    call_command("billing", "export-837p", "--output", str(tmp_path / "c.x12"), "--organisation", "harbor")
    assert (tmp_path / "c.x12").exists()
