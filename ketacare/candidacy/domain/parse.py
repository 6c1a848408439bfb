"""Read a case from JSON (docs/candidacy.md has the schema), naming the field of any problem.

Paths read like `trials[1].start_date` (list indices count from 0). Unknown fields are
refused, so a misspelt optional field cannot silently drop out. Every field that can
raise a caution or a contraindication is required: an omission must not read as "no".
"""

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Mapping
from enum import StrEnum
from typing import TypeVar, overload

from ketacare.candidacy.domain.case import (
    Adherence,
    AdministrationRoute,
    AntidepressantTrial,
    Case,
    CaseError,
    CurrentMedicine,
    DisorderStatus,
    Hypertension,
    KetamineDrug,
    LiverDisease,
    MedicalHistory,
    NeuromodulationCourse,
    Patient,
    PriorKetamineTreatment,
    Psychosis,
    PsychotherapyCourse,
    Response,
    Sex,
    StopReason,
    SubstanceUseDisorder,
    Vitals,
)
from ketacare.candidacy.domain.drugs import MEDICINE_CLASSES, DrugClass, normalize_drug_name

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
E = TypeVar("E", bound=StrEnum)
T = TypeVar("T")


def _at(path: str, key: str | int) -> str:
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def _object(value: object, path: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, object]:
    if not isinstance(value, dict):
        raise CaseError(path or "(top level)", "must be an object")
    for key in value:
        if key not in required and key not in optional:
            expected = ", ".join(required + optional)
            raise CaseError(_at(path, key), f"unknown field (expected: {expected})")
    for key in required:
        if key not in value:
            raise CaseError(_at(path, key), "is required")
    return value


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        raise CaseError(path, "must be true or false")
    return value


def _number(value: object, path: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CaseError(path, "must be a number")
    return value


def _whole(value: object, path: str) -> int:
    number = _number(value, path)
    if isinstance(number, float):
        if not number.is_integer():
            raise CaseError(path, "must be a whole number")
        return int(number)
    return number


def _text(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise CaseError(path, "must be a non-empty text")
    return value.strip()


def _date(value: object, path: str) -> dt.date:
    if not isinstance(value, str) or not _DATE.match(value):
        raise CaseError(path, "must be a date YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CaseError(path, f"must be a date YYYY-MM-DD ({value} does not exist)") from None


def _enum(enum: type[E], value: object, path: str) -> E:
    choices = ", ".join(member.value for member in enum)
    if not isinstance(value, str):
        raise CaseError(path, f"must be one of: {choices}")
    try:
        return enum(value)
    except ValueError:
        raise CaseError(path, f"{value!r} is not one of: {choices}") from None


def _list(value: object, path: str, item: Callable[[object, str], T]) -> tuple[T, ...]:
    if not isinstance(value, list):
        raise CaseError(path, "must be a list")
    return tuple(item(element, _at(path, index)) for index, element in enumerate(value))


@overload
def _optional(data: dict[str, object], key: str, path: str, read: Callable[[object, str], T]) -> T | None: ...


@overload
def _optional(data: dict[str, object], key: str, path: str, read: Callable[[object, str], T], default: T) -> T: ...


def _optional(
    data: dict[str, object], key: str, path: str, read: Callable[[object, str], T], default: T | None = None
) -> T | None:
    value = data.get(key)
    return default if value is None else read(value, _at(path, key))


def _build(path: str, make: Callable[..., T], **values: object) -> T:
    """Construct a dataclass from read values; its own checks name fields relative to it, so add the path."""
    try:
        return make(**values)
    except CaseError as exc:
        raise exc.within(path) from None


def _patient(value: object, path: str) -> Patient:
    data = _object(
        value,
        path,
        ("sex", "pregnant", "breastfeeding", "weight_kg"),
        ("age_years", "date_of_birth"),
    )
    return _build(
        path,
        Patient,
        sex=_enum(Sex, data["sex"], _at(path, "sex")),
        pregnant=_bool(data["pregnant"], _at(path, "pregnant")),
        breastfeeding=_bool(data["breastfeeding"], _at(path, "breastfeeding")),
        weight_kg=_number(data["weight_kg"], _at(path, "weight_kg")),
        age_years=_optional(data, "age_years", path, _whole),
        date_of_birth=_optional(data, "date_of_birth", path, _date),
    )


def _trial(value: object, path: str) -> AntidepressantTrial:
    data = _object(
        value,
        path,
        ("drug", "daily_dose_mg", "start_date", "stop_date", "adherence", "improvement_percent"),
        ("stop_reason", "augmentation"),
    )
    return _build(
        path,
        AntidepressantTrial,
        drug=_text(data["drug"], _at(path, "drug")),
        daily_dose_mg=_number(data["daily_dose_mg"], _at(path, "daily_dose_mg")),
        start_date=_date(data["start_date"], _at(path, "start_date")),
        stop_date=_optional(data, "stop_date", path, _date),
        adherence=_enum(Adherence, data["adherence"], _at(path, "adherence")),
        improvement_percent=_number(data["improvement_percent"], _at(path, "improvement_percent")),
        stop_reason=_optional(data, "stop_reason", path, lambda v, p: _enum(StopReason, v, p)),
        augmentation=_optional(data, "augmentation", path, _bool, False),
    )


def _psychotherapy(value: object, path: str) -> PsychotherapyCourse:
    data = _object(value, path, ("kind",), ("sessions",))
    return _build(
        path,
        PsychotherapyCourse,
        kind=_text(data["kind"], _at(path, "kind")),
        sessions=_optional(data, "sessions", path, _whole),
    )


def _neuromodulation(value: object, path: str) -> NeuromodulationCourse:
    data = _object(value, path, ("sessions", "response"))
    return _build(
        path,
        NeuromodulationCourse,
        sessions=_whole(data["sessions"], _at(path, "sessions")),
        response=_enum(Response, data["response"], _at(path, "response")),
    )


def _prior_ketamine(value: object, path: str) -> PriorKetamineTreatment:
    data = _object(value, path, ("drug", "route", "response"))
    return PriorKetamineTreatment(
        drug=_enum(KetamineDrug, data["drug"], _at(path, "drug")),
        route=_enum(AdministrationRoute, data["route"], _at(path, "route")),
        response=_enum(Response, data["response"], _at(path, "response")),
    )


def _substance_use(value: object, path: str) -> SubstanceUseDisorder:
    data = _object(value, path, ("substance", "status"))
    return _build(
        path,
        SubstanceUseDisorder,
        substance=_text(data["substance"], _at(path, "substance")),
        status=_enum(DisorderStatus, data["status"], _at(path, "status")),
    )


def _medical_history(value: object, path: str) -> MedicalHistory:
    flags = (
        "aneurysmal_vascular_disease",
        "arteriovenous_malformation",
        "intracerebral_haemorrhage",
        "hypertensive_encephalopathy",
        "cardiovascular_disease",
        "interstitial_cystitis",
        "ketamine_hypersensitivity",
    )
    data = _object(
        value,
        path,
        (*flags, "hypertension", "psychosis", "substance_use_disorders", "liver_disease"),
    )
    return MedicalHistory(
        **{flag: _bool(data[flag], _at(path, flag)) for flag in flags},
        hypertension=_enum(Hypertension, data["hypertension"], _at(path, "hypertension")),
        psychosis=_enum(Psychosis, data["psychosis"], _at(path, "psychosis")),
        substance_use_disorders=_list(
            data["substance_use_disorders"], _at(path, "substance_use_disorders"), _substance_use
        ),
        liver_disease=_enum(LiverDisease, data["liver_disease"], _at(path, "liver_disease")),
    )


def _medicine_reader(classes: Mapping[str, DrugClass]) -> Callable[[object, str], CurrentMedicine]:
    def read(value: object, path: str) -> CurrentMedicine:
        if isinstance(value, str):
            name = _text(value, path)
            drug_class = classes.get(normalize_drug_name(name))
            if drug_class is None:
                raise CaseError(
                    path,
                    f"{name!r} is not in the interaction table; give it as "
                    f'{{"name": "{name}", "class": "..."}} with its drug class '
                    f"({', '.join(c.value for c in DrugClass)})",
                )
            return CurrentMedicine(name, drug_class)
        data = _object(value, path, ("name", "class"))
        name = _text(data["name"], _at(path, "name"))
        class_path = _at(path, "class")
        if not isinstance(data["class"], str) or data["class"] not in {c.value for c in DrugClass}:
            raise CaseError(
                class_path,
                f"unknown drug class {data['class']!r}; one of: {', '.join(c.value for c in DrugClass)}",
            )
        drug_class = DrugClass(data["class"])
        listed = classes.get(normalize_drug_name(name))
        if listed is not None and listed is not drug_class:
            # A known interacting medicine must not be filed away under a harmless class.
            raise CaseError(class_path, f"{name} is {listed.value} in the interaction table, not {drug_class.value}")
        return _build(path, CurrentMedicine, name=name, drug_class=drug_class)

    return read


def _vitals(value: object, path: str) -> Vitals:
    data = _object(value, path, ("systolic_mmhg", "diastolic_mmhg"), ("heart_rate_bpm", "spo2_percent"))
    return _build(
        path,
        Vitals,
        systolic_mmhg=_whole(data["systolic_mmhg"], _at(path, "systolic_mmhg")),
        diastolic_mmhg=_whole(data["diastolic_mmhg"], _at(path, "diastolic_mmhg")),
        heart_rate_bpm=_optional(data, "heart_rate_bpm", path, _whole),
        spo2_percent=_optional(data, "spo2_percent", path, _number),
    )


def parse_case(value: object, today: dt.date, medicine_classes: Mapping[str, DrugClass] = MEDICINE_CLASSES) -> Case:
    """A Case from decoded JSON; `evaluation_date` defaults to `today` and may not be later."""
    data = _object(
        value,
        "",
        ("patient", "episode_start_date", "trials", "medical_history", "current_medications"),
        ("evaluation_date", "baseline_vitals", "psychotherapy", "ect", "tms", "prior_ketamine"),
    )
    evaluation_date = _optional(data, "evaluation_date", "", _date, today)
    if evaluation_date > today:
        raise CaseError(
            "evaluation_date", f"{evaluation_date.isoformat()} is in the future (today is {today.isoformat()})"
        )
    return Case(
        evaluation_date=evaluation_date,
        patient=_patient(data["patient"], "patient"),
        episode_start_date=_date(data["episode_start_date"], "episode_start_date"),
        trials=_list(data["trials"], "trials", _trial),
        medical_history=_medical_history(data["medical_history"], "medical_history"),
        current_medications=_list(
            data["current_medications"], "current_medications", _medicine_reader(medicine_classes)
        ),
        baseline_vitals=_optional(data, "baseline_vitals", "", _vitals),
        psychotherapy=_optional(data, "psychotherapy", "", lambda v, p: _list(v, p, _psychotherapy), ()),
        ect=_optional(data, "ect", "", _neuromodulation),
        tms=_optional(data, "tms", "", _neuromodulation),
        prior_ketamine=_optional(data, "prior_ketamine", "", lambda v, p: _list(v, p, _prior_ketamine), ()),
    )


# The parts of a case a form stores on its own, each read exactly as parse_case reads it.
_PART_READERS: Mapping[str, Callable[[object, str], object]] = {
    "trial": _trial,
    "psychotherapy": lambda v, p: _list(v, p, _psychotherapy),
    "ect": _neuromodulation,
    "tms": _neuromodulation,
    "prior_ketamine": lambda v, p: _list(v, p, _prior_ketamine),
    "substance_use_disorders": lambda v, p: _list(v, p, _substance_use),
    "baseline_vitals": _vitals,
}


def parse_part(name: str, value: object) -> object:
    """Read one part of a case (a key of _PART_READERS); a CaseError's path starts with `name`."""
    return _PART_READERS[name](value, name)


def _no_constants(name: str) -> float:
    raise ValueError(f"{name} is not allowed")


def case_from_json(text: str, today: dt.date) -> Case:
    """Decode JSON text (no NaN or Infinity) and read the case from it."""
    try:
        data = json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError as exc:
        raise CaseError("", f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None
    except ValueError as exc:
        raise CaseError("", f"not valid JSON: {exc}") from None
    return parse_case(data, today)
