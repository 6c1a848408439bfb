"""`ketacare billing`: export-837p (the file of the ready claims), payer-claim-number, correct, void and withdraw
(the claim page's corrections and withdrawal, by the user named); bad input names the option and exits 2."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from ketacare.billing.actions.claims import do_build_claims, do_change_claim_status, do_export_837p
from ketacare.billing.models import Claim, ClaimExport, ClaimStatus


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


# --- `billing payer-claim-number`, `billing correct`, `billing void`: the claim page's corrections


@pytest.fixture
def sent_claim(ready_claim, staff):
    do_export_837p(staff["billing"])
    ready_claim.refresh_from_db()
    assert ready_claim.status == ClaimStatus.SENT and ready_claim.number == "C000001"
    return ready_claim


def billing(*arguments: str) -> str:
    out = StringIO()
    call_command("billing", *arguments, stdout=out)
    return out.getvalue().strip()


def test_the_payer_claim_number_is_recorded_and_the_claim_voided_by_the_user_named(sent_claim, audit_entries):
    printed = billing("payer-claim-number", "C000001", "--number", "ICN 2026-0042", "--as-user", "billing_harbor")
    assert printed == "C000001: the payer's claim number saved (ICN 2026-0042)"
    [number_change] = audit_entries(action="update", object_type="billing.claim")
    assert number_change.actor.username == "billing_harbor"
    assert number_change.detail["changes"]["payer_claim_number"] == {"before": "", "after": "ICN 2026-0042"}

    assert billing("void", "c000001", "--as-user", "clinic_admin_harbor") == (
        "void claim C000002 built (a draft); C000001 is voided"
    )
    void = Claim.objects.get(number="C000002")
    assert void.frequency_code == "8" and void.replaces == sent_claim and void.status == ClaimStatus.DRAFT
    sent_claim.refresh_from_db()
    assert sent_claim.status == ClaimStatus.VOIDED
    assert sent_claim.status_changes.last().changed_by.username == "clinic_admin_harbor"


def test_a_replacement_is_built_with_the_payers_number_given_with_it(sent_claim):
    billing("payer-claim-number", "C000001", "--number", "ICN-MISTYPED", "--as-user", "billing_harbor")
    assert billing("payer-claim-number", "C000001", "--number", "", "--as-user", "billing_harbor") == (
        "C000001: the payer's claim number cleared"
    )
    printed = billing("correct", "C000001", "--payer-claim-number", "ICN-7", "--as-user", "billing_harbor")
    assert printed == "replacement claim C000002 built (a draft); C000001 is replaced"
    replacement = Claim.objects.get(number="C000002")
    assert replacement.frequency_code == "7" and replacement.replaces == sent_claim
    sent_claim.refresh_from_db()
    assert sent_claim.status == ClaimStatus.REPLACED and sent_claim.payer_claim_number == "ICN-7"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["correct", "C000001", "--as-user", "nobody"], "--as-user: no active user 'nobody'."),
        (["void", "C000001", "--as-user", "nurse_harbor"], "--as-user: nurse_harbor may not manage claims."),
        (["correct", "C000099", "--as-user", "billing_harbor"], "CLAIM: no claim 'C000099' in "),
        (["void", "C000001", "--as-user", "billing_elsewhere"], "CLAIM: no claim 'C000001' in "),
        (
            ["correct", "C000001", "--as-user", "billing_harbor"],
            "--payer-claim-number: Give the payer's claim control number from its response to this claim.",
        ),
        (
            ["void", "C000001", "--payer-claim-number", "ICN*1~", "--as-user", "billing_harbor"],
            "--payer-claim-number: ",
        ),
        (["payer-claim-number", "C000001", "--number", "9" * 51, "--as-user", "billing_harbor"], "--number: "),
    ],
)
def test_bad_correction_input_names_the_argument_and_changes_nothing(sent_claim, other_staff, arguments, message):
    with pytest.raises(CommandError) as error:
        billing(*arguments)
    assert error.value.returncode == 2 and str(error.value).startswith(message)
    sent_claim.refresh_from_db()
    assert Claim.objects.count() == 1
    assert sent_claim.status == ClaimStatus.SENT and sent_claim.payer_claim_number == ""


def test_a_claim_the_payer_has_not_received_is_not_corrected(ready_claim):
    for subcommand in ("correct", "void"):
        with pytest.raises(CommandError) as error:
            billing(subcommand, "C000001", "--payer-claim-number", "ICN-1", "--as-user", "billing_harbor")
        assert error.value.returncode == 2 and str(error.value).startswith("CLAIM: ")
        assert "sent, paid or denied" in str(error.value)
    with pytest.raises(CommandError) as error:
        billing("payer-claim-number", "C000001", "--number", "ICN-1", "--as-user", "billing_harbor")
    assert str(error.value) == "--number: A ready to send claim has no number from the payer to record."
    ready_claim.refresh_from_db()
    assert ready_claim.status == ClaimStatus.READY and Claim.objects.count() == 1


# --- `billing withdraw`


def test_a_ready_claim_is_withdrawn_by_the_user_named(ready_claim, audit_entries):
    assert billing("withdraw", "c000001", "--reason", "Wrong payer", "--as-user", "billing_harbor") == (
        "C000001 withdrawn"
    )
    ready_claim.refresh_from_db()
    assert ready_claim.status == ClaimStatus.WITHDRAWN
    change = ready_claim.status_changes.last()
    assert (change.note, change.changed_by.username) == ("Wrong payer", "billing_harbor")
    assert audit_entries(action="status_change", object_type="billing.claim")[-1].detail["reason"] == "Wrong payer"


def test_a_withdrawn_correction_gives_the_original_back(sent_claim):
    billing("void", "C000001", "--payer-claim-number", "ICN-7", "--as-user", "billing_harbor")
    assert billing("withdraw", "C000002", "--reason", "Voided the wrong claim", "--as-user", "billing_harbor") == (
        "C000002 withdrawn; C000001 is sent again"
    )
    sent_claim.refresh_from_db()
    assert sent_claim.status == ClaimStatus.SENT


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["C000001", "--reason", " ", "--as-user", "billing_harbor"], "--reason: This field is required."),
        (["C000001", "--reason", "x" * 301, "--as-user", "billing_harbor"], "--reason: Keep this under 300"),
        (["C000001", "--reason", "Oops", "--as-user", "billing_elsewhere"], "CLAIM: no claim 'C000001' in "),
        (
            ["C000001", "--reason", "Oops", "--as-user", "nurse_harbor"],
            "--as-user: nurse_harbor may not manage claims.",
        ),
        (["C000001", "--reason", "Oops", "--as-user", "billing_harbor"], "CLAIM: The payer has this claim: void it"),
    ],
)
def test_bad_withdraw_input_names_the_argument_and_changes_nothing(sent_claim, other_staff, arguments, message):
    with pytest.raises(CommandError) as error:
        billing("withdraw", *arguments)
    assert error.value.returncode == 2 and str(error.value).startswith(message)
    sent_claim.refresh_from_db()
    assert sent_claim.status == ClaimStatus.SENT and sent_claim.status_changes.count() == 3
