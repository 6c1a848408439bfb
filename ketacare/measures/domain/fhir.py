"""FHIR R4 mapping of instruments, answers and scores (built with fhir.resources R4B models).

- Questionnaire: one item per instrument item; text is the licensed wording or else the item name;
  every answer is a Coding (LOINC LA codes where LOINC has them, else a KetaCare code system)
  carrying its score in the ordinalValue extension; skip rules become enableWhen.
- QuestionnaireResponse: the answers given (items not asked are left out).
- Observation: the scored total (valueInteger), its band as interpretation text, subscales as
  components, derived from the QuestionnaireResponse.
The resources are returned as JSON-ready dicts.
"""

import re
from datetime import datetime
from decimal import Decimal
from typing import Any

from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.coding import Coding
from fhir.resources.R4B.extension import Extension
from fhir.resources.R4B.observation import Observation, ObservationComponent
from fhir.resources.R4B.questionnaire import (
    Questionnaire,
    QuestionnaireItem,
    QuestionnaireItemAnswerOption,
    QuestionnaireItemEnableWhen,
)
from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
    QuestionnaireResponseItemAnswer,
)
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.resource import Resource

from ketacare.measures.domain.instruments import Instrument, Item, MeasureError
from ketacare.measures.domain.library import get_instrument
from ketacare.measures.domain.scoring import ScoreResult, validate_answers

LOINC = "http://loinc.org"
KETACARE_FHIR = "https://ketacare.org/fhir"
INSTRUMENT_SYSTEM = f"{KETACARE_FHIR}/CodeSystem/instrument"
SUBSCALE_SYSTEM = f"{KETACARE_FHIR}/CodeSystem/instrument-subscale"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
ORDINAL_VALUE = "http://hl7.org/fhir/StructureDefinition/ordinalValue"
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")


def resource_id(instrument: Instrument) -> str:
    """FHIR ids allow no underscore: qids_sr16 → qids-sr16."""
    return instrument.code.replace("_", "-")


def questionnaire_url(instrument: Instrument) -> str:
    return f"{KETACARE_FHIR}/Questionnaire/{resource_id(instrument)}"


def answer_system(instrument: Instrument) -> str:
    return f"{KETACARE_FHIR}/CodeSystem/{resource_id(instrument)}-answer"


def _instrument(instrument: Instrument | str) -> Instrument:
    return get_instrument(instrument) if isinstance(instrument, str) else instrument


def _check_id(value: str, what: str) -> str:
    if not isinstance(value, str) or not _FHIR_ID.match(value):
        raise MeasureError(f"{what}: {value!r} is not a FHIR id (1–64 letters, digits, '-' or '.')")
    return value


def _check_aware(value: datetime, what: str) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise MeasureError(f"{what}: {value.isoformat()} has no time zone")
    return value


def _dump(resource: Resource) -> dict[str, Any]:
    return resource.model_dump(mode="json", exclude_none=True)


def answer_coding(instrument: Instrument, item: Item, value: int) -> Coding:
    label = item.answer_label(value)
    if item.answer_loinc is not None:
        return Coding(system=LOINC, code=item.answer_loinc[value - item.min_answer], display=label)
    return Coding(system=answer_system(instrument), code=str(value), display=label or str(value))


def _questionnaire_item(instrument: Instrument, item: Item) -> QuestionnaireItem:
    enable_when = None
    if item.asked_when is not None:
        gate = instrument.item(item.asked_when.item_number)
        enable_when = [
            QuestionnaireItemEnableWhen(
                question=gate.code,
                operator="=",
                answerCoding=answer_coding(instrument, gate, item.asked_when.answer),
            )
        ]
    return QuestionnaireItem(
        linkId=item.code,
        prefix=item.tag,
        text=item.text or item.name,
        code=[Coding(system=LOINC, code=item.loinc)] if item.loinc else None,
        type="choice",
        required=True,  # applies only while enabled: skipped items are not required
        enableWhen=enable_when,
        answerOption=[
            QuestionnaireItemAnswerOption(
                extension=[Extension(url=ORDINAL_VALUE, valueDecimal=Decimal(value))],
                valueCoding=answer_coding(instrument, item, value),
            )
            for value in item.answer_values
        ],
    )


def questionnaire(instrument: Instrument | str) -> dict[str, Any]:
    instrument = _instrument(instrument)
    return _dump(
        Questionnaire(
            id=resource_id(instrument),
            url=questionnaire_url(instrument),
            version=instrument.version,
            name=re.sub(r"[^A-Za-z0-9]", "", instrument.name),
            title=instrument.title,
            status="active",
            subjectType=["Patient"],
            description=f"{instrument.name}; recall: {instrument.recall_window}; rated by the {instrument.rater.value}; "
            f"scoring: {instrument.scoring_rule}. Source: {instrument.source}",
            copyright=instrument.licence,
            code=[Coding(system=LOINC, code=instrument.loinc_panel)] if instrument.loinc_panel else None,
            item=[_questionnaire_item(instrument, item) for item in instrument.items],
        )
    )


def questionnaire_response(
    instrument: Instrument | str,
    answers: list[int | None] | tuple[int | None, ...],
    *,
    patient_id: str,
    authored: datetime,
    response_id: str | None = None,
) -> dict[str, Any]:
    instrument = _instrument(instrument)
    values = validate_answers(instrument, answers)
    return _dump(
        QuestionnaireResponse(
            id=_check_id(response_id, "questionnaire response id") if response_id is not None else None,
            questionnaire=questionnaire_url(instrument),
            status="completed",
            subject=Reference(reference=f"Patient/{_check_id(patient_id, 'patient id')}"),
            authored=_check_aware(authored, "authored"),
            item=[
                QuestionnaireResponseItem(
                    linkId=item.code,
                    text=item.text or item.name,
                    answer=[QuestionnaireResponseItemAnswer(valueCoding=answer_coding(instrument, item, value))],
                )
                for item, value in zip(instrument.items, values, strict=True)
                if value is not None
            ],
        )
    )


def score_observation(
    result: ScoreResult,
    *,
    patient_id: str,
    effective: datetime,
    questionnaire_response_id: str,
    observation_id: str | None = None,
) -> dict[str, Any]:
    instrument = get_instrument(result.instrument)
    if instrument.loinc_total:
        code = Coding(system=LOINC, code=instrument.loinc_total, display=f"{instrument.name} total score")
    else:
        code = Coding(system=INSTRUMENT_SYSTEM, code=instrument.code, display=f"{instrument.name} total score")
    band = instrument.band_for(result.total)
    return _dump(
        Observation(
            id=_check_id(observation_id, "observation id") if observation_id is not None else None,
            status="final",
            category=[CodeableConcept(coding=[Coding(system=OBSERVATION_CATEGORY, code="survey", display="Survey")])],
            code=CodeableConcept(coding=[code], text=f"{instrument.name} total score"),
            subject=Reference(reference=f"Patient/{_check_id(patient_id, 'patient id')}"),
            effectiveDateTime=_check_aware(effective, "effective"),
            valueInteger=result.total,
            interpretation=[CodeableConcept(text=band.label)] if band else None,
            derivedFrom=[
                Reference(
                    reference=f"QuestionnaireResponse/{_check_id(questionnaire_response_id, 'questionnaire response id')}"
                )
            ],
            component=[
                ObservationComponent(
                    code=CodeableConcept(
                        coding=[
                            Coding(
                                system=SUBSCALE_SYSTEM,
                                code=f"{instrument.code}.{subscale.code}",
                                display=subscale.label,
                            )
                        ]
                    ),
                    valueInteger=result.subscales[subscale.code],
                )
                for subscale in instrument.subscales
            ]
            or None,
        )
    )
