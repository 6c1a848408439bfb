"""The pharmacokinetic core against closed forms, an ODE solver and CLINICAL.md §5. No database."""

import dataclasses
import itertools
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.integrate import quad, solve_ivp

from ketacare.protocols.domain.pharmacokinetics import (
    ABSORPTION_BY_ROUTE,
    CLEMENTS_NIMMO_1981,
    CONCENTRATION_BANDS,
    DOMINO_1984,
    ESKETAMINE_LABEL,
    IM_RACEMIC,
    INTRANASAL_ESKETAMINE,
    KAMP_2020,
    MODELS,
    SUBLINGUAL_RACEMIC,
    Absorption,
    ClearanceModel,
    ExtravascularDose,
    IvBolus,
    IvInfusion,
    MicroconstantModel,
    PharmacokineticsError,
    Route,
    dose_mg_for_weight,
    esketamine_devices,
    half_lives_min,
    model_by_key,
    predict,
    predict_weight_based_infusion,
)

# A one-compartment model: V 50 L, CL 6 L/h -> k = 0.002 /min.
ONE_COMPARTMENT = ClearanceModel(
    key="one",
    name="test one-compartment",
    central_volume_l=50.0,
    clearance_l_per_h=6.0,
    peripheral_volumes_l=(),
    intercompartmental_clearances_l_per_h=(),
    reference_weight_kg=70.0,
    clearance_weight_exponent=0.0,
    source="test",
)
K_ONE = 0.002


def concentrations(model, weight_kg, events, times):
    return predict(model, weight_kg, events).concentrations_ng_per_ml(times)[0]


# --- closed forms ---------------------------------------------------------


def test_one_compartment_infusion_rises_then_decays_exactly():
    dose_mg, duration_min, volume_l = 35.0, 40.0, 50.0
    times = np.array([0.0, 1.0, 13.0, 40.0, 41.0, 100.0, 600.0, 5000.0])
    rate = dose_mg / duration_min
    at_end = rate / (K_ONE * volume_l) * (1 - math.exp(-K_ONE * duration_min))
    expected = (
        np.where(
            times <= duration_min,
            rate / (K_ONE * volume_l) * (1 - np.exp(-K_ONE * times)),
            at_end * np.exp(-K_ONE * (times - duration_min)),
        )
        * 1000
    )
    np.testing.assert_allclose(
        concentrations(ONE_COMPARTMENT, 70, [IvInfusion(dose_mg, duration_min)], times), expected, rtol=1e-12, atol=0
    )


def test_one_mg_in_one_litre_is_1000_ng_per_ml():
    model = dataclasses.replace(ONE_COMPARTMENT, central_volume_l=1.0)
    assert concentrations(model, 70, [IvBolus(1.0)], [0.0])[0] == pytest.approx(1000.0, rel=1e-14)


def test_one_compartment_first_order_absorption_is_the_bateman_function():
    absorption = Absorption(Route.IM, bioavailability=0.8, absorption_rate_per_min=0.05, source="test")
    times = np.array([0.0, 2.0, 30.0, 300.0, 3000.0])
    ka, fd = 0.05, 0.8 * 20.0
    expected = fd * ka / (50.0 * (ka - K_ONE)) * (np.exp(-K_ONE * times) - np.exp(-ka * times)) * 1000
    curve = predict(ONE_COMPARTMENT, 70, [ExtravascularDose(20.0, absorption)])
    np.testing.assert_allclose(curve.concentrations_ng_per_ml(times)[0], expected, rtol=1e-12, atol=1e-15)
    assert curve.summary().time_of_peak_min == pytest.approx(math.log(ka / K_ONE) / (ka - K_ONE), abs=1e-9)


def test_absorption_rate_equal_to_the_elimination_rate_has_the_limit_form():
    # ka = k makes the Bateman denominator zero; the limit is F·D·k·t·e^{−kt}/V.
    absorption = Absorption(Route.IM, bioavailability=1.0, absorption_rate_per_min=K_ONE, source="test")
    times = np.array([0.0, 10.0, 500.0, 2000.0])
    expected = 20.0 * K_ONE * times * np.exp(-K_ONE * times) / 50.0 * 1000
    np.testing.assert_allclose(
        concentrations(ONE_COMPARTMENT, 70, [ExtravascularDose(20.0, absorption)], times), expected, rtol=1e-12
    )


def _clements_alpha_beta():
    m = CLEMENTS_NIMMO_1981
    total = m.k10_per_min + m.k12_per_min + m.k21_per_min
    root = math.sqrt(total**2 - 4 * m.k10_per_min * m.k21_per_min)
    return (total + root) / 2, (total - root) / 2


def test_clements_bolus_is_the_published_biexponential():
    alpha, beta = _clements_alpha_beta()
    k21, v1 = CLEMENTS_NIMMO_1981.k21_per_min, CLEMENTS_NIMMO_1981.central_volume_l_per_kg * 70
    times = np.array([0.0, 1.0, 10.0, 60.0, 240.0, 1440.0])
    dose = 17.5
    expected = (
        dose
        / v1
        * (
            (alpha - k21) / (alpha - beta) * np.exp(-alpha * times)
            + (k21 - beta) / (alpha - beta) * np.exp(-beta * times)
        )
        * 1000
    )
    np.testing.assert_allclose(concentrations(CLEMENTS_NIMMO_1981, 70, [IvBolus(dose)], times), expected, rtol=1e-12)


def test_clements_infusion_is_the_integrated_biexponential():
    alpha, beta = _clements_alpha_beta()
    k21, v1 = CLEMENTS_NIMMO_1981.k21_per_min, CLEMENTS_NIMMO_1981.central_volume_l_per_kg * 70
    a, b = (alpha - k21) / (alpha - beta), (k21 - beta) / (alpha - beta)
    rate, duration = 35.0 / 40.0, 40.0
    times = np.array([0.0, 5.0, 40.0, 45.0, 120.0, 600.0])

    def expected(t):
        if t <= duration:
            return rate / v1 * (a / alpha * (1 - math.exp(-alpha * t)) + b / beta * (1 - math.exp(-beta * t)))
        return (
            rate
            / v1
            * (
                a / alpha * (1 - math.exp(-alpha * duration)) * math.exp(-alpha * (t - duration))
                + b / beta * (1 - math.exp(-beta * duration)) * math.exp(-beta * (t - duration))
            )
        )

    np.testing.assert_allclose(
        concentrations(CLEMENTS_NIMMO_1981, 70, [IvInfusion(35.0, 40.0)], times),
        [1000 * expected(t) for t in times],
        rtol=1e-12,
        atol=1e-12,
    )


# --- against a tight ODE solution -----------------------------------------


def _ode_central_ng_per_ml(model, weight_kg, events, times):
    """solve_ivp on the amounts, with one depot per extravascular event, piecewise between events."""
    d = model.disposition(np.array([float(weight_kg)]))
    k10 = d.k10_per_min[0]
    k_out, k_back = d.k_to_peripheral_per_min[0], d.k_from_peripheral_per_min[0]
    n, depots = 1 + k_out.size, [e for e in events if isinstance(e, ExtravascularDose)]

    def rhs(t, x):
        dx = np.zeros_like(x)
        dx[0] = -(k10 + k_out.sum()) * x[0] + k_back @ x[1:n]
        dx[1:n] = k_out * x[0] - k_back * x[1:n]
        for i, e in enumerate(depots):
            moved = e.absorption.absorption_rate_per_min * x[n + i]
            dx[n + i] -= moved
            dx[0] += moved
        for e in events:
            if isinstance(e, IvInfusion) and e.start_min <= t < e.start_min + e.duration_min:
                dx[0] += e.dose_mg / e.duration_min
        return dx

    # Integrated up to each requested time, not read from the dense output between steps: scipy 1.17's
    # DOP853 interpolant was 1.8e-7 off at one time of one test (the matrix exponential agreed with predict()).
    edges = sorted(
        {
            0.0,
            *(e.start_min for e in events),
            *(e.start_min + e.duration_min for e in events if isinstance(e, IvInfusion)),
            *(float(t) for t in times),
        }
    )
    x = np.zeros(n + len(depots))
    central_mg = {}
    for left, right in itertools.pairwise(edges):
        for e in events:
            if e.start_min == left and isinstance(e, IvBolus):
                x[0] += e.dose_mg
            if e.start_min == left and isinstance(e, ExtravascularDose):
                x[n + depots.index(e)] += e.absorption.bioavailability * e.dose_mg
        x = solve_ivp(rhs, (left, right), x, method="DOP853", rtol=1e-10, atol=1e-14).y[:, -1]
        central_mg[right] = x[0]
    out = np.array([central_mg[float(t)] for t in times])
    return out / d.central_volume_l[0] * 1000


def test_domino_infusion_matches_a_tight_ode_solution():
    times = np.array([0.5, 3.0, 20.0, 39.9, 40.0, 40.5, 47.0, 90.0, 240.0, 720.0])
    events = [IvInfusion(35.0, 40.0)]
    np.testing.assert_allclose(
        concentrations(DOMINO_1984, 70, events, times),
        _ode_central_ng_per_ml(DOMINO_1984, 70, events, times),
        rtol=1e-7,
    )


def test_mixed_dose_events_superpose_like_the_ode():
    # A bolus, an infusion starting later, an IM dose and two esketamine-style devices, in Kamp at 93 kg.
    events = [
        IvBolus(10.0, start_min=0.0),
        IvInfusion(20.0, 30.0, start_min=15.0),
        ExtravascularDose(25.0, IM_RACEMIC, start_min=60.0),
        *esketamine_devices(2, start_min=90.0),
    ]
    times = np.array([1.0, 14.0, 16.0, 44.0, 46.0, 61.0, 92.0, 96.0, 130.0, 400.0])
    np.testing.assert_allclose(
        concentrations(KAMP_2020, 93, events, times), _ode_central_ng_per_ml(KAMP_2020, 93, events, times), rtol=1e-7
    )


def test_absorption_rate_equal_to_a_disposition_rate_still_matches_the_ode():
    slowest = -DOMINO_1984.disposition(np.array([70.0])).modes()[0][0, -1]
    absorption = Absorption(Route.IM, bioavailability=0.9, absorption_rate_per_min=float(slowest), source="test")
    events = [ExtravascularDose(30.0, absorption)]
    times = np.array([1.0, 10.0, 100.0, 500.0])
    np.testing.assert_allclose(
        concentrations(DOMINO_1984, 70, events, times),
        _ode_central_ng_per_ml(DOMINO_1984, 70, events, times),
        rtol=1e-7,
    )


# --- CLINICAL.md §5 DERIVED figures ---------------------------------------


@pytest.mark.parametrize(
    "model, derived, exact",
    [
        # CLINICAL.md says 239; the exact solution is 240.33 (0.6% higher). The math is trusted:
        # the DERIVED figure was probably read off a stepped simulation.
        (DOMINO_1984, 239.0, 240.33081),
        (CLEMENTS_NIMMO_1981, 177.0, 177.31328),
        (KAMP_2020, 253.0, 253.05183),
    ],
)
def test_end_of_infusion_concentration_for_70_kg_35_mg_over_40_min(model, derived, exact):
    at_end = concentrations(model, 70, [IvInfusion(35.0, 40.0)], [40.0])[0]
    assert at_end == pytest.approx(derived, rel=0.01)
    assert at_end == pytest.approx(exact, abs=1e-4)


@pytest.mark.parametrize(
    "model, derived, decimals",
    [
        (DOMINO_1984, (0.4, 4.6, 115), (1, 1, 0)),
        (CLEMENTS_NIMMO_1981, (17.6, 183), (1, 0)),
        (KAMP_2020, (2.8, 28, 184), (1, 0, 0)),
    ],
)
def test_half_lives_are_the_derived_ones(model, derived, decimals):
    computed = half_lives_min(model)
    assert tuple(round(h, places) for h, places in zip(computed, decimals, strict=True)) == derived


def test_kamp_scales_clearance_only_by_weight_to_the_three_quarters():
    light, heavy = (KAMP_2020.disposition(np.array([w])) for w in (35.0, 140.0))
    assert heavy.k10_per_min[0] / light.k10_per_min[0] == pytest.approx(4**0.75, rel=1e-12)
    assert heavy.central_volume_l[0] == light.central_volume_l[0] == 25.0
    np.testing.assert_array_equal(heavy.k_to_peripheral_per_min, light.k_to_peripheral_per_min)


def test_weight_based_models_scale_the_central_volume_with_weight():
    assert DOMINO_1984.disposition(np.array([80.0])).central_volume_l[0] == pytest.approx(0.063 * 80)
    assert CLEMENTS_NIMMO_1981.disposition(np.array([80.0])).central_volume_l[0] == pytest.approx(1.7522 * 80)


def test_models_carry_their_published_parameters_and_sources():
    assert (
        DOMINO_1984.k10_per_min,
        DOMINO_1984.k12_per_min,
        DOMINO_1984.k13_per_min,
        DOMINO_1984.k21_per_min,
        DOMINO_1984.k31_per_min,
    ) == (0.4381, 0.5921, 0.590, 0.247, 0.0146)
    assert (CLEMENTS_NIMMO_1981.k10_per_min, CLEMENTS_NIMMO_1981.k12_per_min, CLEMENTS_NIMMO_1981.k21_per_min) == (
        0.0109,
        0.0186,
        0.0137,
    )
    assert (
        KAMP_2020.central_volume_l,
        KAMP_2020.peripheral_volumes_l,
        KAMP_2020.clearance_l_per_h,
        KAMP_2020.intercompartmental_clearances_l_per_h,
    ) == (25.0, (56.0, 157.0), 84.0, (161.0, 79.0))
    assert "UNVERIFIED" in KAMP_2020.source and "7198883" in DOMINO_1984.source
    assert "7459184" in CLEMENTS_NIMMO_1981.source
    assert (ESKETAMINE_LABEL.central_volume_l, ESKETAMINE_LABEL.clearance_l_per_h) == (709.0, 89.0)


# --- summaries: peak and time below a threshold ---------------------------


def test_an_infusion_peaks_exactly_when_it_stops():
    for model in (DOMINO_1984, CLEMENTS_NIMMO_1981, KAMP_2020):
        assert predict(model, 70, [IvInfusion(35.0, 40.0)]).summary().time_of_peak_min == 40.0


@pytest.mark.parametrize(
    "events",
    [
        [IvBolus(20.0, start_min=3.0)],
        [IvInfusion(35.0, 40.0)],
        [ExtravascularDose(35.0, SUBLINGUAL_RACEMIC), *esketamine_devices(2, start_min=20.0)],
    ],
)
def test_the_slope_is_the_derivative_of_the_curve(events):
    curve = predict(KAMP_2020, 70, events)
    times = np.array([1.0, 7.0, 19.0, 33.0, 55.0, 200.0])
    step = 1e-5
    numeric = (curve.concentrations_ng_per_ml(times + step) - curve.concentrations_ng_per_ml(times - step)) / (2 * step)
    np.testing.assert_allclose(curve.slopes_ng_per_ml_per_min(times), numeric, rtol=1e-6, atol=1e-8)


def test_time_below_is_found_on_the_exact_curve_not_the_grid():
    curve = predict(ONE_COMPARTMENT, 70, [IvInfusion(35.0, 40.0)])
    summary = curve.summary(threshold_ng_per_ml=500.0)
    at_end = 35.0 / 40.0 / (K_ONE * 50.0) * (1 - math.exp(-K_ONE * 40.0)) * 1000
    assert summary.peak_ng_per_ml == pytest.approx(at_end, rel=1e-12)
    assert summary.time_below_min == pytest.approx(40.0 + math.log(at_end / 500.0) / K_ONE, abs=1e-7)


def test_time_below_is_where_the_domino_curve_crosses_the_threshold():
    curve = predict(DOMINO_1984, 70, [IvInfusion(35.0, 40.0)])
    summary = curve.summary(100.0)
    assert 40.0 < summary.time_below_min < 60.0
    assert curve.concentrations_ng_per_ml([summary.time_below_min])[0, 0] == pytest.approx(100.0, abs=1e-6)


def test_a_threshold_the_curve_never_reaches_has_no_time_below():
    summary = predict(CLEMENTS_NIMMO_1981, 70, [IvInfusion(35.0, 40.0)]).summary(1200.0)
    assert summary.time_below_min is None and summary.threshold_ng_per_ml == 1200.0


def test_time_below_is_after_the_global_peak_with_several_doses():
    # Two boluses an hour apart: the curve dips under 100 before the second, larger one.
    events = [IvBolus(10.0), IvBolus(30.0, start_min=60.0)]
    curve = predict(CLEMENTS_NIMMO_1981, 70, events)
    summary = curve.summary(100.0)
    assert summary.time_of_peak_min == 60.0
    assert summary.time_below_min > 60.0
    assert curve.concentrations_ng_per_ml([summary.time_below_min])[0, 0] == pytest.approx(100.0, abs=1e-6)


# --- routes and esketamine -------------------------------------------------


@pytest.mark.parametrize(
    "absorption, model, reported_tmax_min",
    [
        (IM_RACEMIC, CLEMENTS_NIMMO_1981, 10.0),
        (SUBLINGUAL_RACEMIC, CLEMENTS_NIMMO_1981, 45.0),
        (INTRANASAL_ESKETAMINE, ESKETAMINE_LABEL, 30.0),
    ],
)
def test_assumed_absorption_rates_reproduce_the_tmax_their_source_names(absorption, model, reported_tmax_min):
    summary = predict(model, 70, [ExtravascularDose(28.0, absorption)]).summary()
    assert summary.time_of_peak_min == pytest.approx(reported_tmax_min, abs=0.5)
    assert "ASSUMED" in absorption.source and "UNVERIFIED" in absorption.source


def test_route_bioavailabilities_are_the_quoted_ones():
    assert {route: a.bioavailability for route, a in ABSORPTION_BY_ROUTE.items()} == {
        Route.IM: 0.93,
        Route.SUBLINGUAL: 0.29,
        Route.INTRANASAL: 0.48,
    }


def test_esketamine_devices_are_28_mg_five_minutes_apart():
    devices = esketamine_devices(3)
    assert [(d.dose_mg, d.start_min) for d in devices] == [(28.0, 0.0), (28.0, 5.0), (28.0, 10.0)]
    assert all(d.absorption is INTRANASAL_ESKETAMINE for d in devices)


def test_two_devices_are_the_sum_of_two_single_devices():
    times = np.linspace(0, 300, 61)
    one = concentrations(ESKETAMINE_LABEL, 70, esketamine_devices(1), times)
    later = concentrations(ESKETAMINE_LABEL, 70, esketamine_devices(1, start_min=5.0), times)
    np.testing.assert_allclose(
        concentrations(ESKETAMINE_LABEL, 70, esketamine_devices(2), times), one + later, rtol=1e-12, atol=1e-12
    )


def test_an_extravascular_dose_reaches_circulation_in_proportion_to_bioavailability():
    # Same disposition, same ka: AUC scales with F.
    half = dataclasses.replace(IM_RACEMIC, bioavailability=0.465)
    times = np.linspace(0, 600, 7)
    np.testing.assert_allclose(
        concentrations(KAMP_2020, 70, [ExtravascularDose(35.0, half)], times) * 2,
        concentrations(KAMP_2020, 70, [ExtravascularDose(35.0, IM_RACEMIC)], times),
        rtol=1e-12,
    )


# --- batches ---------------------------------------------------------------


def test_a_batch_of_weights_gives_the_same_curves_as_one_at_a_time():
    weights = np.array([45.0, 70.0, 118.0])
    times = np.arange(0, 241, 5.0)
    for model in (DOMINO_1984, KAMP_2020):
        batch = predict_weight_based_infusion(model, weights, 0.5, 40.0).concentrations_ng_per_ml(times)
        for row, weight in zip(batch, weights, strict=True):
            single = concentrations(model, weight, [IvInfusion(0.5 * weight, 40.0)], times)
            np.testing.assert_allclose(row, single, rtol=1e-12, atol=1e-12)


def test_a_summary_from_a_batch_is_that_patients_summary():
    weights = [52.0, 97.0]
    batch = predict_weight_based_infusion(KAMP_2020, weights, 0.5, 40.0)
    for i, weight in enumerate(weights):
        alone = predict(KAMP_2020, weight, [IvInfusion(0.5 * weight, 40.0)]).summary(100.0)
        from_batch = batch.summary(100.0, patient=i)
        assert from_batch.peak_ng_per_ml == pytest.approx(alone.peak_ng_per_ml, rel=1e-12)
        assert from_batch.time_below_min == pytest.approx(alone.time_below_min, abs=1e-9)
    with pytest.raises(PharmacokineticsError, match="patient"):
        batch.summary(patient=2)


# --- properties ------------------------------------------------------------

events_strategy = st.lists(
    st.one_of(
        st.builds(IvBolus, dose_mg=st.floats(0, 200), start_min=st.floats(0, 120)),
        st.builds(IvInfusion, dose_mg=st.floats(0, 200), duration_min=st.floats(0.5, 240), start_min=st.floats(0, 120)),
        st.builds(
            ExtravascularDose,
            dose_mg=st.floats(0, 200),
            absorption=st.builds(
                Absorption,
                route=st.just(Route.IM),
                bioavailability=st.floats(0.05, 1.0),
                absorption_rate_per_min=st.floats(0.001, 2.0),
                source=st.just("test"),
            ),
            start_min=st.floats(0, 120),
        ),
    ),
    min_size=1,
    max_size=3,
)
models_strategy = st.sampled_from(list(MODELS.values()))
weights_strategy = st.floats(1.0, 300.0)
PROPERTY_SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY_SETTINGS
@given(model=models_strategy, weight_kg=weights_strategy, events=events_strategy, until_min=st.floats(0, 900))
def test_mass_balance_eliminated_plus_in_body_equals_dose_given(model, weight_kg, events, until_min):
    curve = predict(model, weight_kg, events)
    k10 = curve.disposition.k10_per_min[0]
    kinks = sorted(
        {e.start_min for e in events} | {e.start_min + e.duration_min for e in events if isinstance(e, IvInfusion)}
    )
    eliminated, _ = quad(
        lambda t: k10 * curve.amounts_mg([t])[0, 0, 0],
        0,
        until_min,
        points=[p for p in kinks if 0 < p < until_min] or None,
        limit=500,
        epsabs=1e-11,
        epsrel=1e-11,
    )
    in_body = curve.amounts_mg([until_min])[0, :, 0].sum() + curve.depot_mg([until_min])[0, 0]
    given_mg = curve.bioavailable_dose_mg(until_min)[0]
    # 1e-6: the quadrature of a piecewise curve over up to 900 min reaches ~1e-7 on its own (hypothesis
    # found 1.02e-7); a modelling error (a lost compartment, a wrong rate) is orders of magnitude larger.
    assert eliminated + in_body == pytest.approx(given_mg, rel=1e-6, abs=1e-8)


@PROPERTY_SETTINGS
@given(model=models_strategy, weight_kg=weights_strategy, events=events_strategy)
def test_concentration_is_never_negative(model, weight_kg, events):
    times = np.concatenate([np.linspace(0, 600, 241), np.geomspace(600, 60 * 24 * 60, 50)])
    assert np.all(concentrations(model, weight_kg, events, times) >= 0)


@PROPERTY_SETTINGS
@given(model=models_strategy, weight_kg=weights_strategy, events=events_strategy, factor=st.floats(0.1, 10))
def test_scaling_every_dose_scales_the_curve(model, weight_kg, events, factor):
    times = np.linspace(0, 480, 97)
    scaled = [dataclasses.replace(e, dose_mg=e.dose_mg * factor) for e in events]
    np.testing.assert_allclose(
        concentrations(model, weight_kg, scaled, times),
        factor * concentrations(model, weight_kg, events, times),
        rtol=1e-9,
        atol=1e-12,
    )


@PROPERTY_SETTINGS
@given(model=models_strategy, weight_kg=weights_strategy, events=events_strategy, threshold=st.floats(1, 500))
def test_the_peak_and_the_crossing_lie_on_the_curve(model, weight_kg, events, threshold):
    curve = predict(model, weight_kg, events)
    summary = curve.summary(threshold)
    times = np.linspace(0, 1500, 6001)
    dense = curve.concentrations_ng_per_ml(times)[0]
    assert summary.peak_ng_per_ml >= dense.max() * (1 - 1e-12)
    at_peak = curve.concentrations_ng_per_ml([summary.time_of_peak_min])[0, 0]
    assert at_peak == pytest.approx(summary.peak_ng_per_ml, rel=1e-12)
    if summary.time_below_min is None:
        assert summary.peak_ng_per_ml < threshold
        return
    assert summary.time_below_min >= summary.time_of_peak_min
    assert curve.concentrations_ng_per_ml([summary.time_below_min])[0, 0] == pytest.approx(threshold, rel=1e-9)
    between = (times > summary.time_of_peak_min) & (times < summary.time_below_min)
    assert np.all(dense[between] >= threshold * (1 - 1e-9))


def test_double_the_dose_doubles_the_concentration_and_keeps_the_times():
    single = predict(DOMINO_1984, 70, [IvInfusion(35.0, 40.0)]).summary(100.0)
    double = predict(DOMINO_1984, 70, [IvInfusion(70.0, 40.0)]).summary(200.0)
    assert double.peak_ng_per_ml == pytest.approx(2 * single.peak_ng_per_ml, rel=1e-12)
    assert double.time_below_min == pytest.approx(single.time_below_min, abs=1e-6)


# --- bands -----------------------------------------------------------------


def test_concentration_bands_are_the_published_ones():
    bands = {b.key: (b.low_ng_per_ml, b.high_ng_per_ml) for b in CONCENTRATION_BANDS}
    assert bands == {
        "antidepressant": (185.0, None),
        "dissociation": (100.0, 250.0),
        "analgesia": (70.0, 160.0),
        "anaesthesia": (1200.0, 2400.0),
    }
    assert all("Zanos" in b.source for b in CONCENTRATION_BANDS)


# --- impossible input ------------------------------------------------------


@pytest.mark.parametrize("weight_kg", [0, -70, 300.5, math.nan, math.inf])
def test_impossible_weights_are_refused_by_name(weight_kg):
    with pytest.raises(PharmacokineticsError, match="weight_kg") as info:
        predict(DOMINO_1984, weight_kg, [IvInfusion(35.0, 40.0)])
    assert info.value.field == "weight_kg"


def test_a_batch_with_one_impossible_weight_is_refused():
    with pytest.raises(PharmacokineticsError, match="weight_kg: .* not 400"):
        predict_weight_based_infusion(DOMINO_1984, [70.0, 400.0], 0.5, 40.0)


@pytest.mark.parametrize(
    "make, field",
    [
        (lambda: IvInfusion(-1.0, 40.0), "dose_mg"),
        (lambda: IvBolus(-0.1), "dose_mg"),
        (lambda: ExtravascularDose(-5.0, IM_RACEMIC), "dose_mg"),
        (lambda: dose_mg_for_weight(70.0, -0.5), "dose_mg_per_kg"),
        (lambda: IvInfusion(35.0, 0.0), "duration_min"),
        (lambda: IvInfusion(35.0, -40.0), "duration_min"),
        (lambda: IvInfusion(35.0, 24 * 60 + 1), "duration_min"),
        (lambda: IvBolus(10.0, start_min=-1.0), "start_min"),
        (lambda: model_by_key("propofol"), "model"),
        (lambda: Absorption(Route.IM, 0.0, 0.1, "x"), "bioavailability"),
        (lambda: Absorption(Route.IM, 1.2, 0.1, "x"), "bioavailability"),
        (lambda: Absorption(Route.IM, 0.9, 0.0, "x"), "absorption_rate_per_min"),
        (lambda: esketamine_devices(0), "device_count"),
        (lambda: predict(DOMINO_1984, 70, []), "doses"),
        (lambda: predict(DOMINO_1984, 70, [IvBolus(5.0)]).summary(0.0), "threshold_ng_per_ml"),
        (lambda: MicroconstantModel("bad", "bad", 0.063, -0.1, 0.5, 0.2, None, None, "x"), "bad.k10_per_min"),
    ],
)
def test_impossible_input_names_the_field(make, field):
    with pytest.raises(PharmacokineticsError) as info:
        make()
    assert info.value.field == field
    assert str(info.value).startswith(f"{field}: ")


def test_a_24_hour_infusion_is_allowed():
    assert predict(DOMINO_1984, 70, [IvInfusion(35.0, 24 * 60.0)]).summary().time_of_peak_min == 24 * 60.0


def test_the_domain_imports_no_django():
    probe = (
        "import sys, ketacare.protocols.domain.pharmacokinetics; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=Path(__file__).resolve().parents[3],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (completed.returncode, completed.stdout) == (0, "[]\n"), completed.stderr
