"""Each incoming resource checked and turned into what KetaCare records, or a reason it is not.

`Refused`: the resource is of a kind KetaCare takes but it is wrong (a missing required field, an unknown
code system, a reference to a patient not in the import ...): its patient is not imported at all, so no
chart arrives with an allergy silently missing. `LeftOut`: KetaCare holds nothing of this kind (a lab
result, a resource type it does not import, a score it derives itself from the response): listed, and the
patient's other resources import. Structure is checked with the fhir.resources R4B models (fhir.resources 8
puts R5 at the top level; R4B shares R4's shape for every type imported here), values by hand below.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import pydantic
from fhir.resources.R4B import get_fhir_model_class

from ketacare.fhir.domain import codes
from ketacare.measures.domain import fhir as measures_fhir
from ketacare.measures.domain.instruments import Instrument
from ketacare.measures.domain.library import INSTRUMENTS

Resource = dict[str, Any]

IMPORTED_TYPES = (
    "Patient",
    "Condition",
    "AllergyIntolerance",
    "MedicationStatement",
    "Observation",
    "QuestionnaireResponse",
)
# Instruments rated during a treatment session belong to its chart, not to a free-standing history.
SESSION_INSTRUMENTS = frozenset({"cadss", "moaas"})
# Historical totals without their answers: the two instruments LOINC codes a total for (LOINC 2.80).
HISTORICAL_TOTALS = {
    instrument.loinc_total: instrument for instrument in INSTRUMENTS.values() if instrument.loinc_total
}
POUND_KG = Decimal("0.45359237")  # the international avoirdupois pound (UCUM [lb_av])


class Refused(Exception):
    """The resource is wrong; its patient is not imported."""


class LeftOut(Exception):
    """KetaCare does not hold this; the patient's other resources import."""


@dataclass(frozen=True)
class Mapped:
    kind: str  # patient, diagnosis, allergy, medication, weight, historical_score, response
    values: dict[str, Any]


def content_hash(resource: Resource) -> str:
    """The same resource exported again hashes the same: meta (lastUpdated, versionId) is left out, and so
    is the id (a patient recognised by an identifier under another id is the same content)."""
    body = {key: value for key, value in resource.items() if key not in ("id", "meta")}
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def check_structure(resource: Resource) -> None:
    name = resource.get("resourceType")
    if name not in IMPORTED_TYPES:
        raise LeftOut(f"KetaCare does not import {name} resources (it imports {', '.join(IMPORTED_TYPES)}).")
    if not isinstance(resource.get("id"), str) or not resource["id"]:
        raise Refused("id: missing (the import keeps each resource's source id to recognise it next time).")
    try:
        get_fhir_model_class(name).model_validate(resource)
    except pydantic.ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in error["loc"]) or name
        raise Refused(f"{where}: {error['msg']}") from None


def patient_reference(resource: Resource) -> str:
    """The reference to the resource's patient, as written (Patient/1, urn:uuid:..., a full URL)."""
    holder = resource.get("patient") if resource["resourceType"] == "AllergyIntolerance" else resource.get("subject")
    value = holder.get("reference") if isinstance(holder, dict) else None
    if not value:
        field = "patient" if resource["resourceType"] == "AllergyIntolerance" else "subject"
        raise Refused(f"{field}: missing (every imported resource belongs to a patient).")
    return value


def reference_id(reference: str, resource_type: str) -> str | None:
    """The id in `Patient/12` or `https://elsewhere/fhir/Patient/12`; None for another type or form."""
    parts = reference.split("/")
    if len(parts) >= 2 and parts[-2] == resource_type and parts[-1]:
        return parts[-1].split("|")[0]
    return None


def _text(value: Any, field: str, max_length: int, *, required: bool = False) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if required and not text:
        raise Refused(f"{field}: missing.")
    if len(text) > max_length:
        raise Refused(f"{field}: longer than KetaCare keeps ({max_length} characters).")
    return text


def _date(value: Any, field: str) -> dt.date | None:
    """The date as written (a dateTime's own date: the day where it was recorded), None when absent."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise Refused(f"{field}: {value!r} is not a full date (YYYY-MM-DD); KetaCare keeps whole dates.") from None


def _instant(value: Any, field: str) -> dt.datetime:
    if not value:
        raise Refused(f"{field}: missing.")
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise Refused(f"{field}: {value!r} is not a date and time with its zone.") from None
    if moment.tzinfo is None:
        raise Refused(f"{field}: {value!r} has no time zone.")
    return moment


def _codes(concept: Any) -> list[dict]:
    return [c for c in (concept or {}).get("coding") or [] if isinstance(c, dict)]


def _status_code(concept: Any) -> str:
    found = _codes(concept)
    return found[0].get("code", "") if found else ""


# ------------------------------------------------------------------ Patient

GENDER = {"female": "female", "male": "male", "other": "intersex", "unknown": "unknown"}


def _name(resource: Resource) -> tuple[str, str, str]:
    names = [name for name in resource.get("name") or [] if isinstance(name, dict)]
    official = next((name for name in names if name.get("use") in ("official", None, "usual")), None)
    official = next((name for name in names if name.get("use") == "official"), official)
    if official is None or not official.get("family") or not official.get("given"):
        raise Refused("name: a family and a given name are required.")
    usual = next((name for name in names if name.get("use") == "usual" and name is not official), None)
    preferred = (usual.get("given") or [""])[0] if usual else ""
    return official["given"][0], official["family"], preferred


def map_patient(resource: Resource) -> Mapped:
    first_name, last_name, preferred = _name(resource)
    birth = resource.get("birthDate")
    if not birth or len(str(birth)) != 10:
        raise Refused("birthDate: a full date of birth is required.")
    telecom = [point for point in resource.get("telecom") or [] if isinstance(point, dict)]
    phone = next((p["value"] for p in telecom if p.get("system") == "phone" and p.get("value")), "")
    email = next((p["value"] for p in telecom if p.get("system") == "email" and p.get("value")), "")
    address = next((a for a in resource.get("address") or [] if isinstance(a, dict)), {})
    values = {
        "first_name": _text(first_name, "name.given", 100, required=True),
        "last_name": _text(last_name, "name.family", 100, required=True),
        "preferred_name": _text(preferred, "name.given (usual)", 100),
        "date_of_birth": _date(birth, "birthDate"),
        "sex_at_birth": GENDER.get(resource.get("gender") or "unknown", "unknown"),
        "phone": _text(phone, "telecom (phone)", 20),
        "email": _text(email, "telecom (email)", 254),
        "address_line": _text(", ".join(address.get("line") or []), "address.line", 200),
        "city": _text(address.get("city"), "address.city", 100),
        "region": _text(address.get("state"), "address.state", 100),
        "postal_code": _text(address.get("postalCode"), "address.postalCode", 20),
        "country": _text(address.get("country"), "address.country", 2) or "US",
    }
    contact = next((c for c in resource.get("contact") or [] if isinstance(c, dict)), None)
    if contact:
        relationship = next(
            (r.get("text") for r in contact.get("relationship") or [] if isinstance(r, dict) and r.get("text")), ""
        )
        contact_phone = next((p.get("value") for p in contact.get("telecom") or [] if p.get("system") == "phone"), "")
        contact_name = contact.get("name") or {}
        name_text = contact_name.get("text") or " ".join(
            [*(contact_name.get("given") or []), contact_name.get("family") or ""]
        )
        values["emergency_contact_name"] = _text(name_text, "contact.name", 200)
        values["emergency_contact_relationship"] = _text(relationship, "contact.relationship", 60)
        values["emergency_contact_phone"] = _text(contact_phone, "contact.telecom", 20)
    return Mapped("patient", values)


def patient_identifiers(resource: Resource) -> list[tuple[str, str]]:
    """(system, value) of every identifier with both."""
    return [
        (identifier["system"], identifier["value"])
        for identifier in resource.get("identifier") or []
        if isinstance(identifier, dict) and identifier.get("system") and identifier.get("value")
    ]


# ------------------------------------------------------------------ the chart's lists

CONDITION_RESOLVED = {"inactive", "remission", "resolved"}


def map_condition(resource: Resource) -> Mapped:
    coding = next((c for c in _codes(resource.get("code")) if c.get("system") == codes.ICD10_CM), None)
    if coding is None:
        systems = ", ".join(sorted({c.get("system") or "no system" for c in _codes(resource.get("code"))})) or "none"
        raise Refused(f"code: no ICD-10-CM coding ({codes.ICD10_CM}); found {systems}.")
    description = (resource.get("code") or {}).get("text") or coding.get("display") or ""
    if _status_code(resource.get("verificationStatus")) == "entered-in-error":
        status = "entered_in_error"
    elif _status_code(resource.get("clinicalStatus")) in CONDITION_RESOLVED:
        status = "resolved"
    else:
        status = "active"
    return Mapped(
        "diagnosis",
        {
            "icd10_code": _text(coding.get("code"), "code.coding.code", 8, required=True),
            "description": _text(description, "code.text", 250, required=True),
            "onset_date": _date(resource.get("onsetDateTime"), "onsetDateTime"),
            "status": status,
        },
    )


NOT_DESCRIBED = "Reaction not described"  # what the export writes for a severity without a reaction


def map_allergy(resource: Resource) -> Mapped:
    code = resource.get("code") or {}
    substance = code.get("text") or next((c.get("display") for c in _codes(code) if c.get("display")), "")
    reaction = next((r for r in resource.get("reaction") or [] if isinstance(r, dict)), {})
    manifestation = next((m for m in reaction.get("manifestation") or [] if isinstance(m, dict)), {})
    reaction_text = manifestation.get("text") or next(
        (c.get("display") for c in _codes(manifestation) if c.get("display")), ""
    )
    if _status_code(resource.get("verificationStatus")) == "entered-in-error":
        status = "entered_in_error"
    elif _status_code(resource.get("clinicalStatus")) in ("inactive", "resolved"):
        status = "inactive"
    else:
        status = "active"
    return Mapped(
        "allergy",
        {
            "substance": _text(substance, "code.text", 200, required=True),
            "reaction": "" if reaction_text == NOT_DESCRIBED else _text(reaction_text, "reaction.manifestation", 200),
            "severity": reaction.get("severity") or "",
            "status": status,
        },
    )


MEDICATION_STATUS = {
    "active": "active",
    "completed": "stopped",
    "stopped": "stopped",
    "entered-in-error": "entered_in_error",
}


def map_medication(resource: Resource) -> Mapped:
    concept = resource.get("medicationCodeableConcept")
    if concept is None:
        raise Refused("medicationCodeableConcept: required (a reference to a Medication resource is not imported).")
    name = concept.get("text") or next((c.get("display") for c in _codes(concept) if c.get("display")), "")
    status = MEDICATION_STATUS.get(resource.get("status") or "")
    if status is None:
        raise Refused(
            f"status: {resource.get('status')!r} is not imported (active, completed, stopped, entered-in-error)."
        )
    period = resource.get("effectivePeriod") or {}
    dosage = " ".join(d.get("text", "") for d in resource.get("dosage") or [] if isinstance(d, dict)).strip()
    started = _date(period.get("start") or resource.get("effectiveDateTime"), "effectivePeriod.start")
    stopped = _date(period.get("end"), "effectivePeriod.end")
    if status == "stopped" and stopped is None:
        raise Refused("effectivePeriod.end: a stopped medication needs the date it stopped.")
    return Mapped(
        "medication",
        {
            "name": _text(name, "medicationCodeableConcept.text", 200, required=True),
            "dose": _text(dosage, "dosage.text", 100),
            "started_on": started,
            "stopped_on": stopped if status == "stopped" else None,
            "status": status,
        },
    )


# ------------------------------------------------------------------ observations


def derived_response_id(resource: Resource) -> str | None:
    for reference in resource.get("derivedFrom") or []:
        found = reference_id((reference or {}).get("reference") or "", "QuestionnaireResponse")
        if found:
            return found
    return None


def map_observation(resource: Resource) -> Mapped:
    loinc = [c.get("code") for c in _codes(resource.get("code")) if c.get("system") == codes.LOINC]
    if codes.LOINC_BODY_WEIGHT in loinc:
        return _weight(resource)
    instrument = next((HISTORICAL_TOTALS[code] for code in loinc if code in HISTORICAL_TOTALS), None)
    if instrument is not None:
        return _historical_score(resource, instrument)
    shown = ", ".join(f"{c.get('system')}|{c.get('code')}" for c in _codes(resource.get("code"))) or "no coding"
    raise LeftOut(
        f"code: {shown} is not imported (KetaCare imports body weight {codes.LOINC_BODY_WEIGHT} and PHQ-9/GAD-7 "
        f"totals {', '.join(HISTORICAL_TOTALS)}; other scores come from their QuestionnaireResponse)."
    )


def _final(resource: Resource) -> None:
    if resource.get("status") not in ("final", "amended", "corrected"):
        raise Refused(f"status: {resource.get('status')!r}; only final (or amended, corrected) results are imported.")


def _weight(resource: Resource) -> Mapped:
    _final(resource)
    quantity = resource.get("valueQuantity") or {}
    unit = quantity.get("code") or quantity.get("unit")
    try:
        value = Decimal(str(quantity.get("value")))
    except InvalidOperation:
        raise Refused("valueQuantity.value: missing or not a number.") from None
    if unit in ("[lb_av]", "lb", "lbs"):
        value *= POUND_KG
    elif unit != "kg":
        raise Refused(f"valueQuantity.code: unit {unit!r} (body weight in kg or [lb_av]).")
    measured_on = _date(resource.get("effectiveDateTime"), "effectiveDateTime")
    if measured_on is None:
        raise Refused("effectiveDateTime: missing (the date the weight was measured).")
    return Mapped(
        "weight", {"weight_kg": value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP), "measured_on": measured_on}
    )


def _historical_score(resource: Resource, instrument: Instrument) -> Mapped:
    _final(resource)
    total = resource.get("valueInteger")
    if total is None and isinstance(resource.get("valueQuantity"), dict):
        total = resource["valueQuantity"].get("value")
    if isinstance(total, bool) or not isinstance(total, int | float) or total != int(total):
        raise Refused("valueInteger: the total score is missing or not a whole number.")
    highest = sum(item.max_answer for item in instrument.items)
    if not 0 <= total <= highest:
        raise Refused(f"valueInteger: {instrument.name} totals run 0–{highest}, not {total}.")
    return Mapped(
        "historical_score",
        {
            "instrument": instrument.code,
            "total": int(total),
            "taken_at": _instant(resource.get("effectiveDateTime"), "effectiveDateTime"),
        },
    )


# ------------------------------------------------------------------ questionnaire responses


def instrument_of(questionnaire: str) -> Instrument | None:
    """By KetaCare's canonical URL or by id (phq9, qids-sr16), a version after | ignored."""
    identity = questionnaire.split("|")[0].rstrip("/").rpartition("/")[2]
    return next((i for i in INSTRUMENTS.values() if measures_fhir.resource_id(i) == identity), None)


def _answer_value(instrument: Instrument, item, answer: dict) -> int:
    if isinstance(answer.get("valueInteger"), int):
        return answer["valueInteger"]
    coding = answer.get("valueCoding") or {}
    for value in item.answer_values:
        expected = measures_fhir.answer_coding(instrument, item, value)
        if coding.get("system") == expected.system and coding.get("code") == expected.code:
            return value
    raise Refused(
        f"item {item.code}: answer {coding.get('system')}|{coding.get('code')} is not one of the "
        f"{instrument.name} answers."
    )


def map_response(resource: Resource) -> Mapped:
    questionnaire = resource.get("questionnaire") or ""
    instrument = instrument_of(questionnaire)
    if instrument is None:
        raise LeftOut(f"questionnaire: {questionnaire or 'missing'} is not an instrument KetaCare knows.")
    if instrument.code in SESSION_INSTRUMENTS:
        raise LeftOut(f"{instrument.name} is rated during a treatment session and kept on its chart.")
    if resource.get("status") not in ("completed", "amended"):
        raise Refused(f"status: {resource.get('status')!r}; only completed responses are imported.")
    by_link = {item.code: item for item in instrument.items}
    answers: dict[str, int | None] = {}
    for entry in resource.get("item") or []:
        item = by_link.get(entry.get("linkId"))
        if item is None:
            raise Refused(f"item {entry.get('linkId')!r}: not an item of {instrument.name}.")
        given = [answer for answer in entry.get("answer") or [] if isinstance(answer, dict)]
        if len(given) != 1:
            raise Refused(f"item {item.code}: one answer expected, found {len(given)}.")
        answers[str(item.number)] = _answer_value(instrument, item, given[0])
    return Mapped(
        "response",
        {
            "instrument": instrument.code,
            "answers": answers,
            "submitted_at": _instant(resource.get("authored"), "authored"),
        },
    )


MAPPERS = {
    "Patient": map_patient,
    "Condition": map_condition,
    "AllergyIntolerance": map_allergy,
    "MedicationStatement": map_medication,
    "Observation": map_observation,
    "QuestionnaireResponse": map_response,
}
