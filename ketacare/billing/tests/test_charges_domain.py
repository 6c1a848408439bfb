"""The pure charge rules: units per rule, the Medicare esketamine dose bands, payer scopes, amounts in cents."""

from decimal import Decimal

import pytest

from ketacare.billing.domain.charges import (
    CareFacts,
    RuleInput,
    additional_infusion_hours,
    charge_amount,
    dose_band_allows,
    payer_scope_matches,
    plan_charges,
    units_for,
)
from ketacare.billing.domain.fees import code_problem, normalise_modifiers, npi_problem

ESKETAMINE_RULES = [
    RuleInput(1, "not_medicare", "J0013", "per_mg", Decimal("12.00")),
    RuleInput(2, "not_medicare", "99214", "per_service", Decimal("180.00")),
    RuleInput(3, "medicare", "G2082", "per_service", Decimal("906.51")),
    RuleInput(4, "medicare", "G2083", "per_service", Decimal("1289.82")),
]


@pytest.mark.parametrize("dose_mg", [Decimal("56"), Decimal("84")])
def test_j0013_bills_one_unit_per_mg_charted(dose_mg):
    planned = plan_charges(ESKETAMINE_RULES, CareFacts(primary_payer_kind="commercial", dose_mg=dose_mg))
    j0013 = next(line for line in planned if line.code == "J0013")
    assert j0013.units == dose_mg
    assert j0013.amount == dose_mg * Decimal("12.00")
    assert [line.code for line in planned] == ["J0013", "99214"]  # no G code for a commercial payer


@pytest.mark.parametrize(
    ("dose_mg", "code"),
    [(Decimal("28"), "G2082"), (Decimal("56"), "G2082"), (Decimal("56.1"), "G2083"), (Decimal("84"), "G2083")],
)
def test_medicare_primary_gets_g2082_up_to_56_mg_and_g2083_above(dose_mg, code):
    planned = plan_charges(ESKETAMINE_RULES, CareFacts(primary_payer_kind="medicare", dose_mg=dose_mg))
    assert [(line.code, line.units) for line in planned] == [(code, 1)]


def test_no_g_code_without_a_charted_dose():
    assert not dose_band_allows("G2082", None) and not dose_band_allows("G2083", None)
    assert dose_band_allows("J0013", None)


def test_self_pay_is_not_medicare_and_not_insured():
    assert payer_scope_matches("self_pay", None) and payer_scope_matches("not_medicare", None)
    assert not payer_scope_matches("insured", None) and not payer_scope_matches("medicare", None)
    assert payer_scope_matches("insured", "medicare") and not payer_scope_matches("not_medicare", "medicare")


@pytest.mark.parametrize(
    ("minutes", "units"),
    [(40, 0), (60, 0), (75, 0), (90, 0), (91, 1), (150, 1), (151, 2), (210, 2), (211, 3)],
)
def test_96366_units_from_the_infusion_length(minutes, units):
    # A unit per full hour beyond the first, plus one for a tail of more than 30 minutes.
    assert additional_infusion_hours(minutes) == units


def test_96366_makes_no_charge_for_a_short_infusion_and_96365_always_one():
    rules = [
        RuleInput(1, "any", "96365", "per_service", Decimal("350.00")),
        RuleInput(2, "any", "96366", "per_additional_hour", Decimal("150.00")),
    ]
    assert [line.code for line in plan_charges(rules, CareFacts(infusion_minutes=40))] == ["96365"]
    planned = plan_charges(rules, CareFacts(infusion_minutes=Decimal("155.5")))
    assert [(line.code, line.units, line.amount) for line in planned] == [
        ("96365", 1, Decimal("350.00")),
        ("96366", 2, Decimal("300.00")),
    ]
    assert units_for("per_additional_hour", dose_mg=None, infusion_minutes=None) == 0


def test_amount_is_rounded_to_the_cent_half_up():
    assert charge_amount(Decimal("1.5"), Decimal("0.25")) == Decimal("0.38")
    assert charge_amount(Decimal("56"), Decimal("12.345")) == Decimal("691.32")


def test_codes_modifiers_and_npi_shapes():
    assert code_problem("cpt", "96365") is None and code_problem("cpt", "J0013")
    assert code_problem("hcpcs", "J0013") is None and code_problem("hcpcs", "96365")
    assert normalise_modifiers(" 25, 59 ") == ("25,59", None)
    assert normalise_modifiers("25,59,GT,95,XE")[1] == "At most four modifiers."
    assert npi_problem("1234567893") is None  # CMS's worked example of the check digit
    assert "check digit" in npi_problem("1234567890")
    assert npi_problem("12345") == "An NPI is 10 digits."
