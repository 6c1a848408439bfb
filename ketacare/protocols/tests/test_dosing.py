"""The weight-based dose calculator: exact numbers, limits, overrides, stale weights, titration."""

import datetime as dt
from decimal import Decimal as D

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketacare.protocols.domain.dosing import (
    IV_RACEMIC_LIMITS,
    DoseLimits,
    DosePolicy,
    DosingError,
    calculate_dose,
    next_titration_step,
)

TODAY = dt.date(2026, 11, 22)


def dose(**overrides):
    values = {
        "dose_mg_per_kg": "0.5",
        "weight_kg": 70,
        "weight_measured_on": TODAY,
        "today": TODAY,
        "limits": IV_RACEMIC_LIMITS,
        "concentration_mg_per_ml": 10,
    }
    values.update(overrides)
    return calculate_dose(**values)


def test_70_kg_at_half_a_mg_per_kg_is_35_mg_and_3_50_ml():
    result = dose()
    assert result.dose_mg == D("35") and result.exact_dose_mg == D("35.0")
    assert result.volume_ml == D("3.50")
    assert not result.blocked and not result.block_reasons


def test_rounding_to_the_nearest_mg_is_a_clinic_parameter():
    assert dose(weight_kg="71.3").dose_mg == D("36")  # 35.65 → 36
    assert dose(weight_kg="71.3", policy=DosePolicy(rounding_mg=D("5"))).dose_mg == D("35")
    assert dose(weight_kg="71.3", policy=DosePolicy(rounding_mg=D("0.5"))).dose_mg == D("35.5")


def test_volume_is_rounded_to_the_volume_step():
    result = dose(weight_kg="71.3", concentration_mg_per_ml=50)  # 36 mg / 50 mg/mL
    assert result.volume_ml == D("0.72")
    assert dose(policy=DosePolicy(volume_rounding_ml=D("0.1")), concentration_mg_per_ml=15).volume_ml == D("2.3")
    assert dose(concentration_mg_per_ml=None).volume_ml is None


@pytest.mark.parametrize("weight_kg", [D("29.9"), D("300.1"), -70, 0])
def test_implausible_weights_are_refused_naming_weight_kg(weight_kg):
    with pytest.raises(DosingError) as error:
        dose(weight_kg=weight_kg)
    assert error.value.field == "weight_kg"


@pytest.mark.parametrize("weight_kg, expected_mg", [(30, D("15")), (300, D("150"))])
def test_weight_boundaries_are_accepted(weight_kg, expected_mg):
    assert dose(weight_kg=weight_kg).dose_mg == expected_mg


def test_a_weight_older_than_the_clinic_limit_needs_todays_weight():
    assert dose(weight_measured_on=TODAY - dt.timedelta(days=30)).dose_mg == D("35")
    with pytest.raises(DosingError, match="Today's weight is needed") as error:
        dose(weight_measured_on=TODAY - dt.timedelta(days=31))
    assert error.value.field == "weight_measured_on"
    with pytest.raises(DosingError, match="Today's weight is needed"):
        dose(weight_measured_on=TODAY - dt.timedelta(days=8), policy=DosePolicy(max_weight_age_days=7))


def test_a_missing_weight_needs_todays_weight():
    with pytest.raises(DosingError, match="Today's weight is needed") as error:
        dose(weight_kg=None, weight_measured_on=None)
    assert error.value.field == "weight_kg"


def test_above_the_per_kg_maximum_is_blocked_until_overridden():
    result = dose(dose_mg_per_kg="0.8")
    assert result.blocked and result.dose_mg == D("56")
    assert "0.75 mg/kg" in result.block_reasons[0]
    overridden = dose(dose_mg_per_kg="0.8", override_reason="Partial response at 0.75 mg/kg")
    assert not overridden.blocked and overridden.overridden
    assert overridden.override_reason == "Partial response at 0.75 mg/kg"


def test_a_blank_override_reason_does_not_lift_the_block():
    assert dose(dose_mg_per_kg="0.8", override_reason="   ").blocked


def test_the_per_session_maximum_blocks_too():
    limits = DoseLimits(max_dose_mg_per_kg=D("0.75"), max_dose_mg_per_session=D("50"))
    result = dose(weight_kg=120, limits=limits)  # 60 mg
    assert result.blocked and "50 mg per session" in result.block_reasons[0]


def test_the_maximum_itself_is_allowed_and_rounding_never_crosses_it():
    assert not dose(dose_mg_per_kg="0.75").blocked  # 52.5 mg
    # 52.5 would round half up to 53 mg, which is above 0.75 mg/kg × 70 kg: rounded down instead.
    result = dose(dose_mg_per_kg="0.75")
    assert result.dose_mg == D("52") and result.notes


@pytest.mark.parametrize(
    "dose_mg_per_kg, message",
    [
        ("0.05", "below this protocol's minimum of 0.1 mg/kg"),
        ("1.01", "above this protocol's hard cap of 1.0 mg/kg"),
    ],
)
def test_a_dose_outside_the_protocol_range_is_refused_even_with_an_override(dose_mg_per_kg, message):
    with pytest.raises(DosingError, match=message) as error:
        dose(dose_mg_per_kg=dose_mg_per_kg, override_reason="Because")
    assert error.value.field == "dose_mg_per_kg"


def test_the_hard_cap_itself_is_possible_with_an_override():
    assert dose(dose_mg_per_kg="1.0").blocked
    assert dose(dose_mg_per_kg="1.0", override_reason="Fava dose").dose_mg == D("70")


@pytest.mark.parametrize(
    "field, overrides",
    [
        ("dose_mg_per_kg", {"dose_mg_per_kg": 0}),
        ("dose_mg_per_kg", {"dose_mg_per_kg": "abc"}),
        ("concentration_mg_per_ml", {"concentration_mg_per_ml": 0}),
        ("rounding_mg", {"policy": DosePolicy(rounding_mg=D("100"))}),
    ],
)
def test_bad_input_names_its_field(field, overrides):
    with pytest.raises(DosingError) as error:
        dose(**overrides)
    assert error.value.field == field


def test_policy_and_limits_validate_themselves():
    with pytest.raises(DosingError) as error:
        DosePolicy(max_weight_age_days=-1)
    assert error.value.field == "max_weight_age_days"
    with pytest.raises(DosingError) as error:
        DoseLimits(max_dose_mg_per_kg=D("1.2"), hard_cap_dose_mg_per_kg=D("1.0"))
    assert error.value.field == "hard_cap_dose_mg_per_kg"


def test_titration_goes_to_the_next_step_after_non_response():
    steps = [D("0.5"), D("0.75")]
    assert next_titration_step(D("0.5"), steps) == D("0.75")
    assert next_titration_step("0.6", steps) == D("0.75")
    assert next_titration_step(D("0.75"), steps) is None
    assert next_titration_step(D("0.25"), steps) == D("0.5")
    with pytest.raises(DosingError) as error:
        next_titration_step(D("0.5"), [D("0.75"), D("0.5")])
    assert error.value.field == "titration_steps"


weights = st.decimals(min_value=30, max_value=300, places=1)
per_kg = st.decimals(min_value=D("0.1"), max_value=D("1.0"), places=3)
concentrations = st.sampled_from([D("1"), D("2"), D("10"), D("50"), D("100")])


@given(weights, per_kg, concentrations)
def test_volume_times_concentration_is_the_dose_within_half_a_volume_step(weight_kg, dose_mg_per_kg, concentration):
    result = dose(weight_kg=weight_kg, dose_mg_per_kg=dose_mg_per_kg, concentration_mg_per_ml=concentration)
    assert abs(result.volume_ml * concentration - result.dose_mg) <= concentration * D("0.005")
    assert abs(result.dose_mg - result.exact_dose_mg) <= D("1")


@given(weights, per_kg, st.one_of(st.none(), st.decimals(min_value=10, max_value=200, places=0)))
def test_never_above_a_maximum_without_an_override(weight_kg, dose_mg_per_kg, max_session_mg):
    limits = DoseLimits(
        min_dose_mg_per_kg=D("0.1"),
        max_dose_mg_per_kg=D("0.75"),
        hard_cap_dose_mg_per_kg=D("1.0"),
        max_dose_mg_per_session=max_session_mg,
    )
    try:
        result = dose(weight_kg=weight_kg, dose_mg_per_kg=dose_mg_per_kg, limits=limits)
    except DosingError as error:  # rounding a tiny dose to nothing
        assert error.field == "rounding_mg"
        return
    if not result.blocked:
        assert result.dose_mg <= weight_kg * D("0.75")
        assert max_session_mg is None or result.dose_mg <= max_session_mg
    assert result.blocked == (
        dose_mg_per_kg > D("0.75") or (max_session_mg is not None and weight_kg * dose_mg_per_kg > max_session_mg)
    )


def test_results_carry_the_steps_decimals_whatever_the_steps_spelling():
    result = dose(policy=DosePolicy(rounding_mg=D("1.000"), volume_rounding_ml=D("0.010")))
    assert (str(result.dose_mg), str(result.volume_ml)) == ("35", "3.50")
    assert str(dose(weight_kg=73, policy=DosePolicy(rounding_mg=D("10"))).dose_mg) == "40"
