"""The instrument library and scoring: structure, published cut-points, properties of every instrument."""

import itertools
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.measures.domain.instruments import MeasureError, Rater, ScoringParameters
from ketacare.measures.domain.library import INSTRUMENTS, get_instrument, qids_sr16_total
from ketacare.measures.domain.scoring import parse_answers, result_as_dict, score, validate_answers
from ketacare.measures.tests.strategies import answers_with_total, extremes, raise_item, valid_answers

ALL_CODES = ["phq9", "gad7", "qids_sr16", "pcl5", "madrs", "cssrs_screener", "cadss", "moaas", "bprs_positive"]
LICENSED_WORDING = {"phq9", "gad7", "pcl5"}
REPO_ROOT = Path(__file__).resolve().parents[3]

instruments = pytest.mark.parametrize("code", ALL_CODES)


@st.composite
def instrument_and_answers(draw):
    instrument = INSTRUMENTS[draw(st.sampled_from(ALL_CODES))]
    return instrument, draw(valid_answers(instrument))


def loinc_check_digit_ok(code: str) -> bool:
    """LOINC term codes end in a mod-10 (Luhn) check digit: catches a mistyped code."""
    number, check = code.split("-")
    total = 0
    for position, char in enumerate(reversed(number)):
        digit = int(char) * (2 if position % 2 == 0 else 1)
        total += digit - 9 if digit > 9 else digit
    return (10 - total % 10) % 10 == int(check)


# ---------------------------------------------------------------- the library


def test_the_nine_instruments_are_registered_by_code():
    assert list(INSTRUMENTS) == ALL_CODES


def test_an_unknown_code_lists_the_valid_ones():
    with pytest.raises(MeasureError, match="unknown instrument 'phq10'; valid codes: phq9, gad7, qids_sr16"):
        get_instrument("phq10")


@instruments
def test_every_instrument_is_described_and_sourced(code):
    instrument = INSTRUMENTS[code]
    assert instrument.version and instrument.recall_window and instrument.scoring_rule
    assert instrument.source and instrument.licence
    assert [item.number for item in instrument.items] == list(range(1, len(instrument.items) + 1))
    assert len({item.code for item in instrument.items}) == len(instrument.items)
    for item in instrument.items:
        assert item.name and item.min_answer < item.max_answer
        if item.answer_labels is not None:
            assert len(item.answer_labels) == len(item.answer_values)
        if item.answer_loinc is not None:
            assert len(item.answer_loinc) == len(item.answer_values)
    if instrument.bands:
        assert instrument.bands_source
    if instrument.flagger:
        assert instrument.flag_source


@instruments
def test_item_wording_ships_only_where_the_licence_allows(code):
    instrument = INSTRUMENTS[code]
    licensed = code in LICENSED_WORDING
    assert all((item.text is not None) == licensed for item in instrument.items)
    assert (instrument.prompt is not None) == licensed


def test_item_counts_ranges_and_raters():
    expected = {
        "phq9": (9, 0, 3, 0, 27, Rater.PATIENT),
        "gad7": (7, 0, 3, 0, 21, Rater.PATIENT),
        "qids_sr16": (16, 0, 3, 0, 27, Rater.PATIENT),
        "pcl5": (20, 0, 4, 0, 80, Rater.PATIENT),
        "madrs": (10, 0, 6, 0, 60, Rater.CLINICIAN),
        "cssrs_screener": (7, 0, 1, 0, 3, Rater.CLINICIAN),
        "cadss": (23, 0, 4, 0, 92, Rater.CLINICIAN),
        "moaas": (1, 0, 5, 0, 5, Rater.CLINICIAN),
        "bprs_positive": (4, 1, 7, 4, 28, Rater.CLINICIAN),
    }
    for code, (count, low, high, total_min, total_max, rater) in expected.items():
        instrument = INSTRUMENTS[code]
        assert len(instrument.items) == count, code
        assert {(item.min_answer, item.max_answer) for item in instrument.items} == {(low, high)}, code
        assert (instrument.total_min, instrument.total_max, instrument.rater) == (total_min, total_max, rater), code


def test_published_item_wording_and_answer_labels():
    phq9, gad7, pcl5 = INSTRUMENTS["phq9"], INSTRUMENTS["gad7"], INSTRUMENTS["pcl5"]
    assert phq9.item(9).text == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert phq9.item(1).answer_labels == ("Not at all", "Several days", "More than half the days", "Nearly every day")
    assert gad7.item(2).text == "Not being able to stop or control worrying"
    assert gad7.item(7).answer_labels == phq9.item(1).answer_labels
    assert pcl5.item(17).text == 'Being "superalert" or watchful or on guard?'
    assert pcl5.item(1).answer_labels == ("Not at all", "A little bit", "Moderately", "Quite a bit", "Extremely")
    assert [item.name for item in INSTRUMENTS["madrs"].items] == [
        "Apparent sadness",
        "Reported sadness",
        "Inner tension",
        "Reduced sleep",
        "Reduced appetite",
        "Concentration difficulties",
        "Lassitude",
        "Inability to feel",
        "Pessimistic thoughts",
        "Suicidal thoughts",
    ]
    assert [item.code for item in INSTRUMENTS["bprs_positive"].items] == [
        "suspiciousness",
        "hallucinatory_behaviour",
        "unusual_thought_content",
        "conceptual_disorganisation",
    ]


def test_loinc_codes():
    phq9, gad7 = INSTRUMENTS["phq9"], INSTRUMENTS["gad7"]
    assert (phq9.loinc_panel, phq9.loinc_total) == ("44249-1", "44261-6")
    assert (gad7.loinc_panel, gad7.loinc_total) == ("69737-5", "70274-6")
    assert [item.loinc for item in phq9.items] == [
        "44250-9",
        "44255-8",
        "44259-0",
        "44254-1",
        "44251-7",
        "44258-2",
        "44252-5",
        "44253-3",
        "44260-8",
    ]
    assert [item.loinc for item in gad7.items] == [
        "69725-0",
        "68509-9",
        "69733-4",
        "69734-2",
        "69735-9",
        "69689-8",
        "69736-7",
    ]
    codes = [phq9.loinc_panel, phq9.loinc_total, gad7.loinc_panel, gad7.loinc_total]
    for instrument in INSTRUMENTS.values():
        codes += [item.loinc for item in instrument.items if item.loinc]
    assert all(loinc_check_digit_ok(code) for code in codes)
    assert phq9.item(1).answer_loinc == gad7.item(1).answer_loinc == ("LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9")
    assert not loinc_check_digit_ok("44250-8")


def test_response_and_remission_rules():
    remission = {code: INSTRUMENTS[code].remission for code in ALL_CODES}
    assert (remission["phq9"].max_total, remission["phq9"].stated_as) == (4, "< 5")
    assert (remission["qids_sr16"].max_total, remission["qids_sr16"].stated_as) == (5, "≤ 5")
    assert (remission["madrs"].max_total, remission["madrs"].stated_as) == (10, "≤ 10")
    assert 12 in [threshold for threshold, _ in remission["madrs"].alternatives]
    assert remission["gad7"].max_total == 4 and "UNVERIFIED" in remission["gad7"].source
    assert {code for code, rule in remission.items() if rule is None} == {
        "pcl5",
        "cssrs_screener",
        "cadss",
        "moaas",
        "bprs_positive",
    }
    responders = {code for code in ALL_CODES if INSTRUMENTS[code].response is not None}
    assert responders == {"phq9", "gad7", "qids_sr16", "pcl5", "madrs"}
    assert {INSTRUMENTS[code].response.reduction_percent for code in responders} == {50}


def test_the_domain_imports_no_django():
    code = (
        "import sys; import ketacare.measures.domain.fhir, ketacare.measures.domain.outcomes; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'django'))"
    )
    run = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


# ---------------------------------------------------------------- bands


EXPECTED_BANDS = {
    "phq9": [
        ("minimal", 0, 4),
        ("mild", 5, 9),
        ("moderate", 10, 14),
        ("moderately_severe", 15, 19),
        ("severe", 20, 27),
    ],
    "gad7": [("minimal", 0, 4), ("mild", 5, 9), ("moderate", 10, 14), ("severe", 15, 21)],
    "qids_sr16": [("none", 0, 5), ("mild", 6, 10), ("moderate", 11, 15), ("severe", 16, 20), ("very_severe", 21, 27)],
    "madrs": [("none", 0, 6), ("mild", 7, 19), ("moderate", 20, 34), ("severe", 35, 60)],
    "cssrs_screener": [("none", 0, 0), ("low", 1, 1), ("moderate", 2, 2), ("high", 3, 3)],
}


def test_published_bands():
    banded = {
        code: [(b.code, b.min_total, b.max_total) for b in INSTRUMENTS[code].bands]
        for code in ALL_CODES
        if INSTRUMENTS[code].bands
    }
    assert banded == EXPECTED_BANDS


@instruments
def test_bands_partition_the_range_without_gaps_or_overlaps(code):
    instrument = INSTRUMENTS[code]
    if not instrument.bands:
        assert all(
            instrument.band_for(total) is None for total in range(instrument.total_min, instrument.total_max + 1)
        )
        return
    assert instrument.bands[0].min_total == instrument.total_min
    assert instrument.bands[-1].max_total == instrument.total_max
    for band, following in itertools.pairwise(instrument.bands):
        assert band.min_total <= band.max_total
        assert following.min_total == band.max_total + 1
    for total in range(instrument.total_min, instrument.total_max + 1):
        assert sum(band.min_total <= total <= band.max_total for band in instrument.bands) == 1


# ---------------------------------------------------------------- properties of every instrument


@settings(max_examples=300)
@given(instrument_and_answers())
def test_totals_subscales_and_severity_are_always_in_range(case):
    instrument, answers = case
    result = score(instrument, answers)
    assert instrument.total_min <= result.total <= instrument.total_max
    band = instrument.band_for(result.total)
    assert result.severity == (band.code if band else None)
    for subscale in instrument.subscales:
        high = sum(instrument.item(number).max_answer for number in subscale.item_numbers)
        assert 0 <= result.subscales[subscale.code] <= high


@instruments
def test_lowest_and_highest_answers_reach_the_ends_of_the_range(code):
    instrument = INSTRUMENTS[code]
    assert score(instrument, extremes(instrument, highest=False)).total == instrument.total_min
    assert score(instrument, extremes(instrument, highest=True)).total == instrument.total_max


@settings(max_examples=300)
@given(instrument_and_answers(), st.data())
def test_raising_one_answer_never_lowers_the_total(case, data):
    instrument, answers = case
    number = data.draw(st.integers(1, len(instrument.items)))
    raised = raise_item(instrument, answers, number)
    if raised is None:
        return
    before, after = score(instrument, answers), score(instrument, raised)
    assert after.total >= before.total
    for code, value in before.subscales.items():
        assert after.subscales[code] >= value


def qids_by_domain(answers):
    """QIDS-SR16 restated from the published rule, domain by domain."""
    sleep = max(answers[0], answers[1], answers[2], answers[3])
    sad_mood = answers[4]
    appetite_weight = max(answers[5], answers[6], answers[7], answers[8])
    concentration, self_view, suicidal_ideation, interest, energy = answers[9:14]
    psychomotor = max(answers[14], answers[15])
    return (
        sleep
        + sad_mood
        + appetite_weight
        + concentration
        + self_view
        + suicidal_ideation
        + interest
        + energy
        + psychomotor
    )


@settings(max_examples=500)
@given(st.lists(st.integers(0, 3), min_size=16, max_size=16))
def test_qids_sr16_equals_the_published_rule_restated(answers):
    assert score("qids_sr16", answers).total == qids_by_domain(answers) == qids_sr16_total(tuple(answers))


@settings(max_examples=300)
@given(instrument_and_answers(), st.data())
def test_an_out_of_range_answer_is_refused_naming_the_item(case, data):
    instrument, answers = case
    asked = [number for number, value in enumerate(answers, start=1) if value is not None]
    number = data.draw(st.sampled_from(asked))
    item = instrument.item(number)
    bad = data.draw(st.one_of(st.integers(-50, item.min_answer - 1), st.integers(item.max_answer + 1, 50)))
    answers[number - 1] = bad
    with pytest.raises(MeasureError) as info:
        score(instrument, answers)
    assert str(info.value) == f"{item.display}: {bad} is out of range {item.min_answer}–{item.max_answer}"


@settings(max_examples=200)
@given(instrument_and_answers(), st.data())
def test_missing_answers_are_refused_naming_the_first_missing_item(case, data):
    instrument, answers = case
    kept = data.draw(st.integers(0, len(answers) - 1))
    with pytest.raises(MeasureError, match=rf"^item {instrument.item(kept + 1).tag} \(.*\): missing — "):
        score(instrument, answers[:kept])


@settings(max_examples=200)
@given(instrument_and_answers(), st.lists(st.integers(0, 3), min_size=1, max_size=3))
def test_extra_answers_are_refused_naming_the_position(case, extra):
    instrument, answers = case
    count = len(instrument.items)
    expected = f"answer {count + 1} is extra: {instrument.name} has {count} item"
    with pytest.raises(MeasureError, match="^" + re.escape(expected)):
        score(instrument, answers + extra)


@settings(max_examples=200)
@given(instrument_and_answers(), st.data())
def test_a_blank_or_non_integer_answer_to_an_asked_item_is_refused(case, data):
    instrument, answers = case
    asked = [number for number, value in enumerate(answers, start=1) if value is not None]
    number = data.draw(st.sampled_from(asked))
    wrong = data.draw(st.sampled_from([None, 1.0, "1", True]))
    answers[number - 1] = wrong
    expected = "missing" if wrong is None else f"{wrong!r} is not a whole number"
    with pytest.raises(MeasureError) as info:
        validate_answers(instrument, answers)
    assert str(info.value) == f"{instrument.item(number).display}: {expected}"


# ---------------------------------------------------------------- published examples


def test_phq9_examples():
    result = score("phq9", [1] * 9)
    assert (result.total, result.severity) == (9, "mild")
    phq9 = INSTRUMENTS["phq9"]
    for total, band in [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ]:
        assert score(phq9, answers_with_total(phq9, total)).severity == band, total


def test_phq9_item_9_above_zero_flags_suicidal_ideation_whatever_the_total():
    assert score("phq9", [0] * 8 + [1]).flags == ["suicidal_ideation"]
    assert score("phq9", [0] * 8 + [3]).flags == ["suicidal_ideation"]
    assert score("phq9", [3] * 8 + [0]).flags == []


def test_the_out_of_range_message_names_the_item_in_words():
    with pytest.raises(MeasureError) as info:
        score("phq9", [0] * 8 + [4])
    assert (
        str(info.value)
        == "item 9 (thoughts that you would be better off dead or of hurting yourself): 4 is out of range 0–3"
    )


def test_gad7_examples():
    gad7 = INSTRUMENTS["gad7"]
    for total, band in [
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ]:
        assert score(gad7, answers_with_total(gad7, total)).severity == band, total
    assert score("gad7", [3, 3, 3, 3, 3, 0, 0]).total == 15


@pytest.mark.parametrize(
    ("answers", "total", "severity"),
    [
        # sleep max 3, sad 2, appetite/weight max 3, items 10–14 = 5, psychomotor max 2
        ([3, 0, 0, 0, 2, 1, 3, 0, 0, 1, 1, 1, 1, 1, 0, 2], 15, "moderate"),
        # all four sleep items at 3 count once
        ([3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 3, "none"),
        ([1, 2, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 1, 0], 6, "mild"),
        ([0, 0, 0, 0, 3, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0], 5, "none"),
        ([0, 0, 3, 0, 3, 3, 0, 0, 0, 1, 1, 1, 1, 1, 0, 2], 16, "severe"),
        ([0, 0, 3, 0, 3, 3, 0, 0, 0, 2, 2, 2, 2, 2, 1, 2], 21, "very_severe"),
        ([3] * 16, 27, "very_severe"),
        ([0] * 16, 0, "none"),
    ],
)
def test_qids_sr16_examples(answers, total, severity):
    result = score("qids_sr16", answers)
    assert (result.total, result.severity) == (total, severity)


def test_madrs_snaith_cut_points():
    madrs = INSTRUMENTS["madrs"]
    for total, band in [
        (6, "none"),
        (7, "mild"),
        (19, "mild"),
        (20, "moderate"),
        (34, "moderate"),
        (35, "severe"),
        (60, "severe"),
    ]:
        assert score(madrs, answers_with_total(madrs, total)).severity == band, total


def test_pcl5_clusters_and_provisional_diagnosis():
    minimal_pattern = [0] * 20
    for number in (1, 6, 8, 9, 15, 16):  # 1 B, 1 C, 2 D, 2 E rated 2 ("Moderately")
        minimal_pattern[number - 1] = 2
    result = score("pcl5", minimal_pattern)
    assert result.total == 12
    assert result.subscales == {"cluster_b": 2, "cluster_c": 2, "cluster_d": 4, "cluster_e": 4}
    assert result.flags == ["pcl5_provisional_ptsd"]
    assert result.severity is None
    one_short = list(minimal_pattern)
    one_short[8] = 1  # the second D item is no longer endorsed
    assert score("pcl5", one_short).flags == []
    all_ones = score("pcl5", [1] * 20)  # 20 points but nothing endorsed
    assert (all_ones.total, all_ones.flags) == (20, [])


def test_pcl5_cut_off_is_a_parameter_defaulting_to_33():
    pcl5 = INSTRUMENTS["pcl5"]
    thirty_two = [4, 4, 4, 4, 4, 4, 4, 4] + [0] * 12  # clusters B and C only: no provisional diagnosis
    thirty_three = [4, 4, 4, 4, 4, 4, 4, 4, 1] + [0] * 11
    assert score(pcl5, thirty_two).flags == []
    assert score(pcl5, thirty_three).flags == ["pcl5_above_cutoff"]
    assert score(pcl5, thirty_two, ScoringParameters(pcl5_cutoff_total=31)).flags == ["pcl5_above_cutoff"]
    assert ScoringParameters().pcl5_cutoff_total == 33


def test_cadss_total_and_cadss6_subscale():
    answers = [0] * 23
    for number in (1, 2, 6, 7, 15, 22):
        answers[number - 1] = 4
    answers[2] = 3  # item 3 is not in CADSS-6
    result = score("cadss", answers)
    assert (result.total, result.subscales, result.severity) == (27, {"cadss6": 24}, None)
    assert score("cadss", [4] * 23).subscales == {"cadss6": 24}


def test_moaas_zero_is_loss_of_consciousness():
    assert score("moaas", [0]).flags == ["loss_of_consciousness"]
    assert score("moaas", [1]).flags == []
    assert result_as_dict(score("moaas", [5])) == {"instrument": "moaas", "total": 5, "subscales": {}, "flags": []}


def test_bprs_positive_items_run_from_1_to_7():
    assert score("bprs_positive", [1, 1, 1, 1]).total == 4
    assert score("bprs_positive", [7, 7, 7, 7]).total == 28
    with pytest.raises(MeasureError, match=r"^item 1 \(suspiciousness\): 0 is out of range 1–7$"):
        score("bprs_positive", [0, 1, 1, 1])


N = None


@pytest.mark.parametrize(
    ("answers", "risk", "flags"),
    [
        ([0, 0, N, N, N, 0, N], "none", []),
        ([1, 0, N, N, N, 0, N], "low", []),
        ([0, 1, 0, 0, 0, 0, N], "low", []),
        ([1, 1, 1, 0, 0, 0, N], "moderate", ["cssrs_moderate_risk"]),
        ([0, 0, N, N, N, 1, 0], "moderate", ["cssrs_moderate_risk"]),  # behaviour more than 3 months ago
        ([1, 1, 0, 1, 0, 0, N], "high", ["cssrs_high_risk"]),
        ([1, 1, 1, 1, 1, 0, N], "high", ["cssrs_high_risk"]),
        ([0, 1, 0, 0, 1, 0, N], "high", ["cssrs_high_risk"]),
        ([0, 0, N, N, N, 1, 1], "high", ["cssrs_high_risk"]),  # behaviour in the past 3 months
    ],
)
def test_cssrs_screener_risk_levels(answers, risk, flags):
    result = score("cssrs_screener", answers)
    assert (result.severity, result.flags) == (risk, flags)


def test_cssrs_follow_up_questions_are_refused_when_their_gate_is_closed():
    with pytest.raises(MeasureError) as info:
        score("cssrs_screener", [1, 0, 0, N, N, 0, N])
    assert str(info.value) == (
        "item 3 (thoughts of a method, past month): answered, but it is only asked when "
        "item 2 (active suicidal thoughts, past month) is 1 (Yes)"
    )
    with pytest.raises(MeasureError, match=r"^item 6b \(suicidal behaviour within the past 3 months\): answered"):
        score("cssrs_screener", [0, 0, N, N, N, 0, 1])
    with pytest.raises(MeasureError, match=r"^item 4 \(suicidal intent, past month\): missing$"):
        score("cssrs_screener", [0, 1, 0, N, 0, 0, N])
    with pytest.raises(MeasureError, match=r"^item 6b \(suicidal behaviour within the past 3 months\): missing$"):
        score("cssrs_screener", [0, 0, N, N, N, 1, N])


def test_parse_answers_reads_dashes_as_not_asked_and_names_a_bad_token():
    assert parse_answers("cssrs_screener", "1, 0,-,-,-,1,0") == [1, 0, None, None, None, 1, 0]
    with pytest.raises(
        MeasureError, match=r"^item 2 \(feeling down, depressed, or hopeless\): 'x' is not a whole number"
    ):
        parse_answers("phq9", "1,x")
    with pytest.raises(MeasureError, match=r"^answer 10: '' is not a whole number"):
        parse_answers("phq9", "0,0,0,0,0,0,0,0,0,")


def test_result_as_dict_has_severity_only_for_banded_instruments():
    assert result_as_dict(score("phq9", [2] * 9)) == {
        "instrument": "phq9",
        "total": 18,
        "severity": "moderately_severe",
        "subscales": {},
        "flags": ["suicidal_ideation"],
    }
    assert "severity" not in result_as_dict(score("cadss", [0] * 23))
