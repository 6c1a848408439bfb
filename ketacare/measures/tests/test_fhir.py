"""FHIR R4 mapping: every resource must parse with fhirclient's R4 models in strict mode."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from fhirclient.models.observation import Observation
from fhirclient.models.questionnaire import Questionnaire
from fhirclient.models.questionnaireresponse import QuestionnaireResponse
from hypothesis import given, settings
from hypothesis import strategies as st

from ketacare.measures.domain import fhir
from ketacare.measures.domain.instruments import MeasureError
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.domain.scoring import score
from ketacare.measures.tests.strategies import extremes, valid_answers

AUTHORED = datetime(2025, 3, 3, 9, 30, tzinfo=timezone(timedelta(hours=-5)))
instruments = pytest.mark.parametrize("code", list(INSTRUMENTS))


@st.composite
def instrument_and_answers(draw):
    instrument = draw(st.sampled_from(list(INSTRUMENTS.values())))
    return instrument, draw(valid_answers(instrument))


@instruments
def test_every_questionnaire_parses_strictly(code):
    instrument = INSTRUMENTS[code]
    resource = fhir.questionnaire(code)
    Questionnaire(resource, strict=True)
    assert resource["resourceType"] == "Questionnaire"
    assert resource["status"] == "active"
    assert resource["url"] == f"https://ketacare.org/fhir/Questionnaire/{code.replace('_', '-')}"
    assert resource["copyright"] == instrument.licence
    assert [item["linkId"] for item in resource["item"]] == [item.code for item in instrument.items]
    for item, entry in zip(instrument.items, resource["item"], strict=True):
        assert entry["text"] == (item.text or item.name)
        assert entry["type"] == "choice"
        ordinals = [option["extension"][0]["valueDecimal"] for option in entry["answerOption"]]
        assert ordinals == list(item.answer_values)


def test_licensed_wording_and_loinc_codes_reach_the_questionnaire():
    resource = fhir.questionnaire("phq9")
    assert resource["code"] == [{"system": "http://loinc.org", "code": "44249-1"}]
    ninth = resource["item"][8]
    assert ninth["text"] == "Thoughts that you would be better off dead or of hurting yourself in some way"
    assert ninth["code"] == [{"system": "http://loinc.org", "code": "44260-8"}]
    assert [option["valueCoding"] for option in ninth["answerOption"]][3] == {
        "system": "http://loinc.org",
        "code": "LA6571-9",
        "display": "Nearly every day",
    }


def test_unlicensed_instruments_carry_item_names_and_local_answer_codes():
    resource = fhir.questionnaire("madrs")
    assert "code" not in resource
    first = resource["item"][0]
    assert (first["text"], "code" in first) == ("Apparent sadness", False)
    assert first["answerOption"][6]["valueCoding"] == {
        "system": "https://ketacare.org/fhir/CodeSystem/madrs-answer",
        "code": "6",
        "display": "6",
    }


def test_cssrs_skip_rules_become_enable_when():
    items = {item["linkId"]: item for item in fhir.questionnaire("cssrs_screener")["item"]}
    yes = {"system": "https://ketacare.org/fhir/CodeSystem/cssrs-screener-answer", "code": "1", "display": "Yes"}
    for link_id in ("method", "intent", "plan_and_intent"):
        assert items[link_id]["enableWhen"] == [{"question": "suicidal_thoughts", "operator": "=", "answerCoding": yes}]
    assert items["behaviour_past_3_months"]["enableWhen"][0]["question"] == "behaviour_lifetime"
    assert items["behaviour_past_3_months"]["prefix"] == "6b"
    assert "enableWhen" not in items["wish_to_be_dead"]


@settings(max_examples=100)
@given(instrument_and_answers())
def test_every_questionnaire_response_parses_strictly(case):
    instrument, answers = case
    resource = fhir.questionnaire_response(
        instrument, answers, patient_id="pat-1", authored=AUTHORED, response_id="qr-1"
    )
    QuestionnaireResponse(resource, strict=True)
    assert resource["status"] == "completed"
    assert resource["subject"] == {"reference": "Patient/pat-1"}
    assert resource["authored"] == "2025-03-03T09:30:00-05:00"
    assert resource["questionnaire"] == fhir.questionnaire_url(instrument)
    asked = [(item.code, value) for item, value in zip(instrument.items, answers, strict=True) if value is not None]
    assert [entry["linkId"] for entry in resource["item"]] == [code for code, _ in asked]
    for entry, (code, value) in zip(resource["item"], asked, strict=True):
        item = next(item for item in instrument.items if item.code == code)
        assert entry["answer"][0]["valueCoding"] == fhir.answer_coding(instrument, item, value).model_dump(
            mode="json", exclude_none=True
        )


@settings(max_examples=100)
@given(instrument_and_answers())
def test_every_score_observation_parses_strictly(case):
    instrument, answers = case
    result = score(instrument, answers)
    resource = fhir.score_observation(
        result, patient_id="pat-1", effective=AUTHORED, questionnaire_response_id="qr-1", observation_id="obs-1"
    )
    Observation(resource, strict=True)
    assert resource["valueInteger"] == result.total
    assert resource["derivedFrom"] == [{"reference": "QuestionnaireResponse/qr-1"}]
    assert [component["valueInteger"] for component in resource.get("component", [])] == list(result.subscales.values())


def test_the_observation_uses_the_loinc_total_and_the_band_label():
    resource = fhir.score_observation(
        score("phq9", [2] * 9), patient_id="pat-1", effective=AUTHORED, questionnaire_response_id="qr-9"
    )
    assert resource["status"] == "final"
    assert resource["category"][0]["coding"][0]["code"] == "survey"
    assert resource["code"]["coding"] == [
        {"system": "http://loinc.org", "code": "44261-6", "display": "PHQ-9 total score"}
    ]
    assert resource["valueInteger"] == 18
    assert resource["interpretation"] == [{"text": "Moderately severe"}]
    assert resource["effectiveDateTime"] == "2025-03-03T09:30:00-05:00"


def test_without_a_loinc_total_the_observation_uses_the_local_instrument_code():
    resource = fhir.score_observation(
        score("cadss", extremes(INSTRUMENTS["cadss"], highest=True)),
        patient_id="pat-1",
        effective=AUTHORED,
        questionnaire_response_id="qr-2",
    )
    assert resource["code"]["coding"][0] == {
        "system": "https://ketacare.org/fhir/CodeSystem/instrument",
        "code": "cadss",
        "display": "CADSS total score",
    }
    assert "interpretation" not in resource
    assert resource["component"] == [
        {
            "code": {
                "coding": [
                    {
                        "system": "https://ketacare.org/fhir/CodeSystem/instrument-subscale",
                        "code": "cadss.cadss6",
                        "display": "CADSS-6 (items 1, 2, 6, 7, 15, 22)",
                    }
                ]
            },
            "valueInteger": 24,
        }
    ]


def test_a_strict_parse_rejects_a_broken_resource():
    resource = fhir.questionnaire("gad7")
    resource["item"][0]["answerOption"][0]["valueCoding"]["code"] = 0
    with pytest.raises(Exception, match="Wrong type"):
        Questionnaire(resource, strict=True)


def test_times_without_a_zone_and_malformed_ids_are_refused():
    with pytest.raises(MeasureError, match="^authored: 2025-03-03T09:30:00 has no time zone$"):
        fhir.questionnaire_response("moaas", [3], patient_id="pat-1", authored=datetime(2025, 3, 3, 9, 30))
    with pytest.raises(MeasureError, match="^patient id: 'pat 1' is not a FHIR id"):
        fhir.questionnaire_response("moaas", [3], patient_id="pat 1", authored=datetime.now(UTC))
    with pytest.raises(MeasureError, match=r"^item 1 \(responsiveness\): 6 is out of range 0–5$"):
        fhir.questionnaire_response("moaas", [6], patient_id="pat-1", authored=datetime.now(UTC))
