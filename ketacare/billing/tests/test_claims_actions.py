"""Claims from final charges, their status history, corrections and withdrawals, the savings-program claim and
the 837P export."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.http import Http404

from ketacare.billing.actions.accounts import uninvoiced_items
from ketacare.billing.actions.charges import do_void_charge
from ketacare.billing.actions.claims import (
    do_build_claims,
    do_build_secondary_claim,
    do_change_claim_status,
    do_correct_claim,
    do_export_837p,
    do_record_payer_claim_number,
    do_void_claim,
    do_withdraw_claim,
)
from ketacare.billing.domain.claims import withdrawal_problem
from ketacare.billing.models import (
    Claim,
    ClaimExport,
    ClaimStatus,
    ClaimStatusChange,
    Coverage,
    CoveragePriority,
    PayerKind,
)

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def insured(patient, medicare, staff, insure):
    insure(patient, medicare, staff["billing"])
    return patient


def charge(make_final_charge, patient, portland, staff, **fields):
    fields.setdefault("service_date", DAY)
    fields.setdefault("rendering_provider", staff["prescriber"])
    return make_final_charge(patient, portland, staff["billing"], **fields)


def test_one_claim_per_patient_coverage_and_day_for_insured_patients_only(
    claims_ready_org, insured, second_patient, portland, staff, make_final_charge
):
    g2083 = charge(make_final_charge, insured, portland, staff)
    visit = charge(
        make_final_charge, insured, portland, staff, code="99214", amount="180.00", diagnosis_codes=["F41.1"]
    )
    next_day = charge(make_final_charge, insured, portland, staff, service_date=DAY + dt.timedelta(days=7))
    charge(make_final_charge, second_patient, portland, staff)  # self-pay: a superbill, not a claim

    claims = do_build_claims(staff["billing"])

    assert [claim.number for claim in claims] == ["C000001", "C000002"]
    first = claims[0]
    assert [line.charge for line in first.lines.all()] == [g2083, visit]
    assert first.total == Decimal("1469.82") and first.diagnosis_codes == ["F33.2", "F41.1"]
    assert first.status == ClaimStatus.DRAFT and first.status_changes.get().status == ClaimStatus.DRAFT
    assert [line.charge for line in claims[1].lines.all()] == [next_day]
    assert do_build_claims(staff["billing"]) == []  # a charge is claimed once


def test_build_within_dates(claims_ready_org, insured, portland, staff, make_final_charge):
    charge(make_final_charge, insured, portland, staff)
    assert do_build_claims(staff["billing"], date_from="2026-12-02") == []
    assert len(do_build_claims(staff["billing"], date_from="2026-12-01", date_to="2026-12-01")) == 1
    with pytest.raises(ValidationError) as error:
        do_build_claims(staff["billing"], date_from="2026-12-05", date_to="2026-12-01")
    assert "date_to" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        do_build_claims(staff["billing"], date_from="1 Dec")
    assert "date_from" in error.value.message_dict


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "therapist"])
def test_only_billing_and_clinic_admin_manage_claims(claims_ready_org, staff, role):
    with pytest.raises(PermissionDenied):
        do_build_claims(staff[role])
    with pytest.raises(PermissionDenied):
        do_export_837p(staff[role])


def test_status_history_is_appended(claims_ready_org, insured, portland, staff, make_final_charge):
    charge(make_final_charge, insured, portland, staff)
    claim = do_build_claims(staff["billing"])[0]
    do_change_claim_status(staff["billing"], claim.pk, status="ready")
    export = do_export_837p(staff["billing"])
    do_change_claim_status(staff["clinic_admin"], claim.pk, status="paid", paid_amount="1031.86", note="ERA 55")
    claim.refresh_from_db()
    history = list(claim.status_changes.values_list("status", "paid_amount"))
    assert history == [("draft", None), ("ready", None), ("sent", None), ("paid", Decimal("1031.86"))]
    assert claim.status == ClaimStatus.PAID and claim.exported_at is not None
    assert list(export.claims.all()) == [claim]
    with pytest.raises(DatabaseError), transaction.atomic():
        ClaimStatusChange.objects.filter(claim=claim).update(status="draft")


def test_bad_status_changes_are_refused_and_change_nothing(
    claims_ready_org, insured, portland, staff, make_final_charge
):
    charge(make_final_charge, insured, portland, staff)
    claim = do_build_claims(staff["billing"])[0]
    refusals = [
        ({"status": "paid", "paid_amount": "10"}, "status"),  # draft cannot be paid
        ({"status": "archived"}, "status"),
        ({"status": "ready", "paid_amount": "5"}, "paid_amount"),
    ]
    for changes, field in refusals:
        with pytest.raises(ValidationError) as error:
            do_change_claim_status(staff["billing"], claim.pk, **changes)
        assert field in error.value.message_dict
    do_change_claim_status(staff["billing"], claim.pk, status="ready")
    do_export_837p(staff["billing"])
    for changes, field in [
        ({"status": "paid"}, "paid_amount"),
        ({"status": "paid", "paid_amount": "2000.00"}, "paid_amount"),  # more than the claim
        ({"status": "paid", "paid_amount": 12.5}, "paid_amount"),  # a float
        ({"status": "denied", "note": " "}, "note"),  # a denial needs its reason
    ]:
        with pytest.raises(ValidationError) as error:
            do_change_claim_status(staff["billing"], claim.pk, **changes)
        assert field in error.value.message_dict
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.SENT
    assert claim.status_changes.count() == 3


def test_a_claim_is_ready_only_with_what_an_837p_needs(org, insured, portland, staff, make_final_charge):
    """No billing settings, no prescriber NPI, no diagnosis: each is named, and the claim stays a draft."""
    charge(make_final_charge, insured, portland, staff, diagnosis_codes=[])
    claim = do_build_claims(staff["billing"])[0]
    with pytest.raises(ValidationError) as error:
        do_change_claim_status(staff["billing"], claim.pk, status="ready")
    problems = "\n".join(error.value.message_dict["status"])
    for expected in ("billing NPI", "tax id", "submitter id", "ICD-10-CM", "Rendering provider"):
        assert expected in problems
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.DRAFT


def test_another_organisations_claim_is_not_found(
    claims_ready_org, insured, portland, staff, other_staff, make_final_charge
):
    charge(make_final_charge, insured, portland, staff)
    claim = do_build_claims(staff["billing"])[0]
    with pytest.raises(Http404):
        do_change_claim_status(other_staff["billing"], claim.pk, status="ready")
    assert do_build_claims(other_staff["billing"]) == []
    with pytest.raises(Http404):
        do_change_claim_status(staff["billing"], 2**70, status="ready")


def test_savings_program_claim_follows_the_primary_decision(
    claims_ready_org, insured, portland, staff, make_final_charge, make_payer, insure, x12_problems
):
    charge(make_final_charge, insured, portland, staff)
    primary = do_build_claims(staff["billing"])[0]
    with pytest.raises(ValidationError) as error:
        do_build_secondary_claim(staff["billing"], primary.pk)
    assert "decision" in error.value.message_dict["claim"][0]
    do_change_claim_status(staff["billing"], primary.pk, status="ready")
    do_export_837p(staff["billing"])
    do_change_claim_status(staff["billing"], primary.pk, status="paid", paid_amount="1031.86")
    with pytest.raises(ValidationError) as error:
        do_build_secondary_claim(staff["billing"], primary.pk)
    assert "coverage" in error.value.message_dict
    savings = make_payer(
        claims_ready_org, name="Spravato savings program", kind=PayerKind.SAVINGS_PROGRAM, payer_id="JCP01"
    )
    insure(insured, savings, staff["billing"], member_id="SAV-77", priority=CoveragePriority.SECONDARY)

    secondary = do_build_secondary_claim(staff["billing"], primary.pk)

    assert secondary.primary_claim == primary and secondary.coverage.payer == savings
    assert secondary.number == "C000002" and secondary.total == primary.total
    assert do_build_claims(staff["billing"]) == []  # the charge stays claimed once as a primary
    do_change_claim_status(staff["billing"], secondary.pk, status="ready")
    text = do_export_837p(staff["billing"]).content
    assert "SBR*S*18*******11~" in text and "AMT*D*1031.86~" in text
    assert x12_problems(text) == []
    with pytest.raises(ValidationError):
        do_build_secondary_claim(staff["billing"], primary.pk)


def test_export_writes_a_valid_837p_of_ready_claims_in_the_dates(
    claims_ready_org, insured, second_patient, portland, staff, make_final_charge, insure, make_payer, x12_problems
):
    commercial = make_payer(claims_ready_org, name="Aetna", kind=PayerKind.COMMERCIAL, payer_id="60054")
    insure(
        second_patient,
        commercial,
        staff["billing"],
        member_id="W123",
        relationship="19",
        subscriber_first_name="Bo",
        subscriber_last_name="Parent",
        subscriber_date_of_birth=dt.date(1960, 1, 1),
    )
    charge(make_final_charge, insured, portland, staff)
    charge(
        make_final_charge, second_patient, portland, staff, code="J0013", amount="672.00", units="56", modifiers="KX"
    )
    charge(make_final_charge, insured, portland, staff, service_date=DAY + dt.timedelta(days=20))
    for claim in do_build_claims(staff["billing"]):
        do_change_claim_status(staff["billing"], claim.pk, status="ready")

    export = do_export_837p(staff["billing"], date_from="2026-12-01", date_to="2026-12-07")

    assert x12_problems(export.content) == []
    assert export.control_number == 1 and sorted(c.number for c in export.claims.all()) == ["C000001", "C000002"]
    assert "SV1*HC:J0013:KX*672*UN*56***1~" in export.content and "PAT*19~" in export.content
    assert Claim.objects.get(number="C000003").status == ClaimStatus.READY  # outside the dates
    assert do_export_837p(staff["billing"]).control_number == 2
    with pytest.raises(ValidationError) as error:
        do_export_837p(staff["billing"])
    assert "claims" in error.value.message_dict


def test_export_refuses_when_settings_are_incomplete_and_changes_nothing(
    claims_ready_org, insured, portland, staff, make_final_charge
):
    charge(make_final_charge, insured, portland, staff)
    claim = do_build_claims(staff["billing"])[0]
    do_change_claim_status(staff["billing"], claim.pk, status="ready")
    claims_ready_org.billing.submitter_id = ""
    claims_ready_org.billing.save()
    with pytest.raises(ValidationError) as error:
        do_export_837p(staff["billing"])
    assert "submitter id" in error.value.message_dict["billing_settings"][0]
    assert Claim.objects.get(pk=claim.pk).status == ClaimStatus.READY and not ClaimExport.objects.exists()


def test_a_days_charges_share_one_claim_carrying_the_authorisation(
    claims_ready_org, insured, portland, staff, make_final_charge, make_prior_authorization, x12_problems
):
    """The authorisation covers J0013; the visit billed with it goes on the same claim (REF*G1 once)."""
    authorization = make_prior_authorization(
        insured.coverages.get(), staff["billing"], start_date=DAY, end_date=DAY + dt.timedelta(days=90), number="PA-77"
    )
    charge(make_final_charge, insured, portland, staff, code="99214", amount="180.00")
    charge(make_final_charge, insured, portland, staff, code="J0013", amount="672.00", units="56",
           prior_authorization=authorization)  # fmt: skip
    (claim,) = do_build_claims(staff["billing"])
    assert claim.prior_authorization == authorization and claim.lines.count() == 2
    do_change_claim_status(staff["billing"], claim.pk, status="ready")
    text = do_export_837p(staff["billing"]).content
    assert text.count("REF*G1*PA-77~") == 1 and x12_problems(text) == []


# --- Corrected (replacement) and void claims


def sent_claim(staff) -> Claim:
    claim = do_build_claims(staff["billing"])[0]
    do_change_claim_status(staff["billing"], claim.pk, status="ready")
    do_export_837p(staff["billing"])
    claim.refresh_from_db()
    return claim


def export_of(staff, claim: Claim) -> str:
    do_change_claim_status(staff["billing"], claim.pk, status="ready")
    return do_export_837p(staff["billing"]).content


def test_a_corrected_claim_replaces_the_original_with_the_charges_as_they_are_now(
    claims_ready_org, insured, portland, staff, make_final_charge, x12_problems, audit_entries
):
    g2083 = charge(make_final_charge, insured, portland, staff)
    wrong_visit = charge(make_final_charge, insured, portland, staff, code="99213", amount="120.00")
    original = sent_claim(staff)
    do_change_claim_status(staff["billing"], original.pk, status="denied", note="Wrong visit level")
    do_void_charge(staff["billing"], wrong_visit.pk, "Billed 99213, the visit was 99214")
    right_visit = charge(make_final_charge, insured, portland, staff, code="99214", amount="180.00")

    replacement = do_correct_claim(staff["billing"], original.pk, payer_claim_number="ICN 2026-0042")

    assert replacement.replaces == original and replacement.frequency_code == "7"
    assert [line.charge for line in replacement.lines.order_by("line_number")] == [g2083, right_visit]
    assert replacement.total == Decimal("1469.82") and replacement.status == ClaimStatus.DRAFT
    assert replacement.coverage == original.coverage and replacement.number == "C000002"
    original.refresh_from_db()
    assert original.status == ClaimStatus.REPLACED and original.payer_claim_number == "ICN 2026-0042"
    assert original.replaced_by == replacement
    history = list(original.status_changes.values_list("status", "note"))
    assert history[:3] == [("draft", "Built from final charges"), ("ready", ""), ("sent", "837P file 000000001")]
    assert history[3] == ("denied", "Wrong visit level") and history[4] == ("replaced", "Replaced by C000002")
    [number_change] = audit_entries(action="update", object_type="billing.claim")
    assert number_change.detail["changes"]["payer_claim_number"] == {"before": "", "after": "ICN 2026-0042"}
    text = export_of(staff, replacement)
    assert x12_problems(text) == []
    assert "CLM*C000002*1469.82***11:B:7*Y*A*Y*Y~" in text and "REF*F8*ICN 2026-0042~" in text
    assert "99213" not in text
    with pytest.raises(ValidationError) as error:
        do_correct_claim(staff["billing"], original.pk)  # corrected once: its replacement carries on
    assert "replacement" in error.value.message_dict["claim"][0]
    assert do_build_claims(staff["billing"]) == []  # the new charge is claimed by the replacement


def test_a_void_claim_cancels_the_original_with_its_lines(
    claims_ready_org, insured, portland, staff, make_final_charge, x12_problems
):
    charge(make_final_charge, insured, portland, staff)
    original = sent_claim(staff)
    do_change_claim_status(staff["billing"], original.pk, status="paid", paid_amount="1031.86")
    do_record_payer_claim_number(staff["billing"], original.pk, payer_claim_number="2026120100042")

    void = do_void_claim(staff["billing"], original.pk)

    assert void.frequency_code == "8" and void.replaces == original and void.total == original.total
    assert [line.charge_id for line in void.lines.all()] == [line.charge_id for line in original.lines.all()]
    original.refresh_from_db()
    assert original.status == ClaimStatus.VOIDED and original.replaced_by == void
    assert original.status_changes.last().note == f"Voided by {void.number}"
    text = export_of(staff, void)
    assert x12_problems(text) == []
    assert "11:B:8*Y*A*Y*Y~" in text and "REF*F8*2026120100042~" in text
    for action in (do_correct_claim, do_void_claim):
        with pytest.raises(ValidationError) as error:
            action(staff["billing"], void.pk, payer_claim_number="X1")  # a void is not corrected
        assert "claim" in error.value.message_dict
    with pytest.raises(ValidationError):
        do_build_secondary_claim(staff["billing"], original.pk)  # voided: no savings-program claim


def test_correcting_needs_a_received_claim_and_the_payers_number_and_changes_nothing_when_refused(
    claims_ready_org, insured, portland, staff, make_final_charge
):
    charge(make_final_charge, insured, portland, staff)
    draft = do_build_claims(staff["billing"])[0]
    for action in (do_correct_claim, do_void_claim):
        with pytest.raises(ValidationError) as error:
            action(staff["billing"], draft.pk, payer_claim_number="ICN-1")
        assert "sent, paid or denied" in error.value.message_dict["claim"][0]
    with pytest.raises(ValidationError) as error:
        do_record_payer_claim_number(staff["billing"], draft.pk, payer_claim_number="ICN-1")
    assert "payer_claim_number" in error.value.message_dict
    do_change_claim_status(staff["billing"], draft.pk, status="ready")
    do_export_837p(staff["billing"])
    refusals = [{}, {"payer_claim_number": "  "}, {"payer_claim_number": "ICN*1~"}, {"payer_claim_number": "9" * 51}]
    for action in (do_correct_claim, do_void_claim):
        for arguments in refusals:
            with pytest.raises(ValidationError) as error:
                action(staff["billing"], draft.pk, **arguments)
            assert "payer_claim_number" in error.value.message_dict
    assert Claim.objects.count() == 1
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.SENT and claim.payer_claim_number == "" and claim.status_changes.count() == 3


def test_a_correction_with_nothing_left_to_claim_is_refused(
    claims_ready_org, insured, portland, staff, make_final_charge
):
    only = charge(make_final_charge, insured, portland, staff)
    original = sent_claim(staff)
    do_void_charge(staff["billing"], only.pk, "Not given")
    with pytest.raises(ValidationError) as error:
        do_correct_claim(staff["billing"], original.pk, payer_claim_number="ICN-9")
    assert "void the claim instead" in error.value.message_dict["charges"][0]
    assert Claim.objects.count() == 1 and Claim.objects.get().payer_claim_number == ""


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber"])
def test_only_claims_managers_correct_claims(claims_ready_org, insured, portland, staff, make_final_charge, role):
    charge(make_final_charge, insured, portland, staff)
    claim = sent_claim(staff)
    for action in (do_correct_claim, do_void_claim):
        with pytest.raises(PermissionDenied):
            action(staff[role], claim.pk, payer_claim_number="ICN-1")
    with pytest.raises(PermissionDenied):
        do_record_payer_claim_number(staff[role], claim.pk, payer_claim_number="ICN-1")


# --- Withdrawing a claim the payer never received


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        (["draft"], None),
        (["draft", "ready"], None),
        (["draft", "ready", "draft"], None),
        (["draft", "ready", "sent"], "void it instead"),
        (["draft", "ready", "sent", "paid"], "void it instead"),
        (["draft", "ready", "sent", "denied", "ready"], "received this claim when it was sent"),
        (["draft", "ready", "sent", "denied", "replaced"], "already replaced"),
        (["draft", "ready", "sent", "voided"], "already voided"),
        (["draft", "withdrawn"], "already withdrawn"),
    ],
)
def test_only_a_claim_never_sent_may_be_withdrawn(history, problem):
    found = withdrawal_problem(history)
    assert found is None if problem is None else problem in found


def test_a_withdrawn_claims_charges_go_on_the_next_claim_built(
    claims_ready_org, insured, portland, staff, make_final_charge, audit_entries
):
    g2083 = charge(make_final_charge, insured, portland, staff)
    visit = charge(make_final_charge, insured, portland, staff, code="99214", amount="180.00")
    mistaken = do_build_claims(staff["billing"])[0]
    do_change_claim_status(staff["billing"], mistaken.pk, status="ready")

    withdrawn = do_withdraw_claim(staff["billing"], mistaken.pk, reason="  Built before the visit was recoded  ")

    assert withdrawn.status == ClaimStatus.WITHDRAWN
    history = list(withdrawn.status_changes.values_list("status", "note"))
    assert history[-1] == ("withdrawn", "Built before the visit was recoded") and len(history) == 3
    event = audit_entries(action="status_change", object_type="billing.claim")[-1]
    assert event.actor == staff["billing"] and event.object_id == str(mistaken.pk)
    assert event.detail == {
        "number": "C000001",
        "from": "ready",
        "to": "withdrawn",
        "reason": "Built before the visit was recoded",
    }
    [rebuilt] = do_build_claims(staff["billing"])
    assert rebuilt.number == "C000002"  # a number is never used again
    assert [line.charge for line in rebuilt.lines.all()] == [g2083, visit]
    assert do_build_claims(staff["billing"]) == []  # the new claim holds them
    with pytest.raises(ValidationError) as error:
        do_change_claim_status(staff["billing"], mistaken.pk, status="draft")  # withdrawn is ended
    assert "status" in error.value.message_dict


def test_withdrawing_a_correction_gives_the_original_its_status_back_to_be_corrected_again(
    claims_ready_org, insured, portland, staff, make_final_charge, audit_entries
):
    charge(make_final_charge, insured, portland, staff)
    original = sent_claim(staff)
    do_change_claim_status(staff["billing"], original.pk, status="denied", note="Wrong modifier")
    later = charge(make_final_charge, insured, portland, staff, code="99214", amount="180.00")
    wrong = do_correct_claim(staff["billing"], original.pk, payer_claim_number="ICN-41")
    assert wrong.lines.count() == 2

    do_withdraw_claim(staff["clinic_admin"], wrong.pk, reason="Corrected the wrong claim")

    original.refresh_from_db()
    assert original.status == ClaimStatus.DENIED and original.replaced_by is None
    assert list(original.status_changes.values_list("status", "note"))[-2:] == [
        ("replaced", "Replaced by C000002"),
        ("denied", "Correction C000002 withdrawn"),
    ]
    withdrawal, restored = audit_entries(action="status_change", object_type="billing.claim")[-2:]
    assert (withdrawal.object_id, withdrawal.detail["to"]) == (str(wrong.pk), "withdrawn")
    assert restored.object_id == str(original.pk) and restored.actor == staff["clinic_admin"]
    assert restored.detail == {"number": "C000001", "from": "replaced", "to": "denied", "withdrawn": "C000002"}
    assert original.payer_claim_number == "ICN-41"  # the payer's number stays recorded

    again = do_correct_claim(staff["billing"], original.pk)  # corrected once more: the withdrawn one does not count

    assert again.number == "C000003" and again.replaces == original
    assert later in [line.charge for line in again.lines.all()]  # the withdrawn correction's added charge
    original.refresh_from_db()
    assert original.status == ClaimStatus.REPLACED and original.replaced_by == again


def test_withdrawing_a_void_gives_a_paid_claim_back_with_what_the_payer_paid(
    claims_ready_org, insured, portland, staff, make_final_charge
):
    charge(make_final_charge, insured, portland, staff)
    original = sent_claim(staff)
    do_change_claim_status(staff["billing"], original.pk, status="paid", paid_amount="1031.86")
    void = do_void_claim(staff["billing"], original.pk, payer_claim_number="ICN-8")

    do_withdraw_claim(staff["billing"], void.pk, reason="Meant to void another claim")

    original.refresh_from_db()
    last = original.status_changes.last()
    assert original.status == ClaimStatus.PAID and (last.status, last.paid_amount) == ("paid", Decimal("1031.86"))
    assert do_build_claims(staff["billing"]) == []  # its charge stays on the paid claim
    assert do_void_claim(staff["billing"], original.pk).number == "C000003"


def test_a_withdrawn_savings_program_claim_lets_the_primary_have_another(
    claims_ready_org, insured, portland, staff, make_final_charge, make_payer, insure
):
    charge(make_final_charge, insured, portland, staff)
    primary = sent_claim(staff)
    do_change_claim_status(staff["billing"], primary.pk, status="paid", paid_amount="1031.86")
    savings = make_payer(claims_ready_org, name="Spravato savings", kind=PayerKind.SAVINGS_PROGRAM, payer_id="JCP01")
    insure(insured, savings, staff["billing"], member_id="SAV-77", priority=CoveragePriority.SECONDARY)
    secondary = do_build_secondary_claim(staff["billing"], primary.pk)

    do_withdraw_claim(staff["billing"], secondary.pk, reason="Built before the card arrived")

    again = do_build_secondary_claim(staff["billing"], primary.pk)
    assert again.number == "C000003" and again.primary_claim == primary
    with pytest.raises(ValidationError):
        do_build_secondary_claim(staff["billing"], primary.pk)  # one savings-program claim not withdrawn


def test_a_withdrawn_claims_charges_go_on_a_self_pay_invoice_once_the_coverage_is_gone(
    claims_ready_org, insured, portland, staff, make_final_charge
):
    """A claim built on a coverage the patient no longer had: the coverage is ended, the claim withdrawn."""
    g2083 = charge(make_final_charge, insured, portland, staff)
    claim = do_build_claims(staff["billing"])[0]
    Coverage.objects.filter(patient=insured).update(is_active=False)
    assert uninvoiced_items(insured) == ([], [])  # still on the claim
    do_withdraw_claim(staff["billing"], claim.pk, reason="Coverage had ended")
    assert uninvoiced_items(insured) == ([g2083], [])


def test_withdrawing_is_refused_where_the_payer_has_the_claim_and_changes_nothing(
    claims_ready_org, insured, portland, staff, other_staff, make_final_charge
):
    charge(make_final_charge, insured, portland, staff)
    draft = do_build_claims(staff["billing"])[0]
    for reason in ("", "   ", None, "x" * 301, "with a \x00"):
        with pytest.raises(ValidationError) as error:
            do_withdraw_claim(staff["billing"], draft.pk, reason=reason)
        assert list(error.value.message_dict) == ["reason"]
    with pytest.raises(Http404):
        do_withdraw_claim(other_staff["billing"], draft.pk, reason="Not ours")
    for role in ("front_desk", "nurse", "prescriber"):
        with pytest.raises(PermissionDenied):
            do_withdraw_claim(staff[role], draft.pk, reason="Not theirs")
    draft.refresh_from_db()
    assert draft.status == ClaimStatus.DRAFT and draft.status_changes.count() == 1

    do_change_claim_status(staff["billing"], draft.pk, status="ready")
    do_export_837p(staff["billing"])
    sent = Claim.objects.get(pk=draft.pk)
    with pytest.raises(ValidationError) as error:
        do_withdraw_claim(staff["billing"], sent.pk, reason="Too late")
    assert "void it instead" in error.value.message_dict["claim"][0]
    sent.refresh_from_db()
    assert sent.status == ClaimStatus.SENT and sent.status_changes.count() == 3
    do_change_claim_status(staff["billing"], sent.pk, status="denied", note="Missing modifier")
    do_change_claim_status(staff["billing"], sent.pk, status="ready")  # to be sent again
    with pytest.raises(ValidationError) as error:
        do_withdraw_claim(staff["billing"], sent.pk, reason="Too late")
    assert "received this claim" in error.value.message_dict["claim"][0]
    sent.refresh_from_db()
    assert sent.status == ClaimStatus.READY and sent.status_changes.count() == 5
    assert do_build_claims(staff["billing"]) == []  # its charge stays claimed
