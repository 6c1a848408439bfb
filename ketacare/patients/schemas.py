"""API shapes of patient records, shared by the REST API and the JSON export."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL
from ketacare.patients.selectors import PatientChart

Text = Annotated[str, StringConstraints(pattern=NO_NUL)]


class HomeLocationOut(Schema):
    id: int
    name: str
    time_zone: str


class PatientSummaryOut(Schema):
    id: int
    record_number: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date
    stage: str
    home_location: HomeLocationOut | None


class PatientOut(PatientSummaryOut):
    age_years: int
    sex_at_birth: str
    gender_identity: str
    pronouns: str
    email: str
    phone: str
    address_line: str
    city: str
    region: str
    postal_code: str
    country: str
    emergency_contact_name: str
    emergency_contact_relationship: str
    emergency_contact_phone: str
    referring_clinician_name: str
    referring_clinician_practice: str
    referring_clinician_phone: str
    referring_clinician_email: str
    created_at: dt.datetime
    updated_at: dt.datetime


class _ChartEntryOut(Schema):
    """A chart entry (diagnosis, allergy, medication, weight) names who recorded it."""

    @staticmethod
    def resolve_recorded_by(obj) -> str:
        return obj.recorded_by.display_name


class DiagnosisOut(_ChartEntryOut):
    id: int
    icd10_code: str
    description: str
    onset_date: dt.date | None
    status: str
    recorded_by: str
    recorded_at: dt.datetime


class AllergyOut(_ChartEntryOut):
    id: int
    substance: str
    reaction: str
    severity: str
    status: str
    recorded_by: str
    recorded_at: dt.datetime


class MedicationOut(_ChartEntryOut):
    id: int
    name: str
    dose: str
    frequency: str
    started_on: dt.date | None
    stopped_on: dt.date | None
    status: str
    recorded_by: str
    recorded_at: dt.datetime


class WeightOut(_ChartEntryOut):
    id: int
    weight_kg: float
    measured_on: dt.date
    recorded_by: str
    recorded_at: dt.datetime


class PatientRecordOut(PatientOut):
    """The whole record: demographics plus diagnoses, allergies, medications and weights (newest first)."""

    diagnoses: list[DiagnosisOut]
    allergies: list[AllergyOut]
    medications: list[MedicationOut]
    weights: list[WeightOut]


def record_out(chart: PatientChart) -> PatientRecordOut:
    return PatientRecordOut.model_validate(
        {
            **PatientOut.from_orm(chart.patient).model_dump(),
            "diagnoses": chart.diagnoses,
            "allergies": chart.allergies,
            "medications": chart.medications,
            "weights": chart.weights,
        }
    )


class _PatientFieldsIn(Schema):
    preferred_name: Text = ""
    sex_at_birth: Text = Field("", description="female, male, intersex, unknown or empty")
    gender_identity: Text = ""
    pronouns: Text = ""
    email: Text = ""
    phone: Text = Field("", description="Any US or international format; stored as E.164")
    address_line: Text = ""
    city: Text = ""
    region: Text = ""
    postal_code: Text = ""
    country: Text = "US"
    emergency_contact_name: Text = ""
    emergency_contact_relationship: Text = ""
    emergency_contact_phone: Text = ""
    referring_clinician_name: Text = ""
    referring_clinician_practice: Text = ""
    referring_clinician_phone: Text = ""
    referring_clinician_email: Text = ""
    home_location: DbId | None = Field(None, description="id of one of the clinic's locations")


class PatientIn(_PatientFieldsIn):
    first_name: Text
    last_name: Text
    date_of_birth: dt.date


class PatientPatchIn(_PatientFieldsIn):
    """Only the fields sent are changed."""

    first_name: Text = ""
    last_name: Text = ""
    date_of_birth: dt.date | None = None


class StageIn(Schema):
    stage: Text = Field(
        description="registered, screening, consultation, induction, maintenance, discharged or not_eligible"
    )
    reason: Text = Field(description="Why the stage changes by hand (the journey's actions move it themselves)")


class DiagnosisIn(Schema):
    icd10_code: Text = Field(description="ICD-10-CM, e.g. F33.2 (f332 is accepted and normalised)")
    description: Text
    onset_date: dt.date | None = None


class AllergyIn(Schema):
    substance: Text
    reaction: Text = ""
    severity: Text = Field("", description="mild, moderate, severe or empty")


class MedicationIn(Schema):
    name: Text
    dose: Text = ""
    frequency: Text = ""
    started_on: dt.date | None = None


class WeightIn(Schema):
    weight_kg: float = Field(allow_inf_nan=False, description="30–300 kg, one decimal place")
    measured_on: dt.date


class EntryStatusIn(Schema):
    status: Text


class MedicationStatusIn(Schema):
    status: Text = Field(description="stopped or entered_in_error")
    stopped_on: dt.date | None = Field(None, description="required when stopping")


class PossibleDuplicatesOut(Schema):
    """409 from registration (and an inquiry's conversion): records that may be the same person. Send again
    with confirm_not_duplicate=true to register anyway. (Empty for an inquiry already converted.)"""

    detail: str
    candidates: list[PatientSummaryOut] = []


class PatientMergeIn(Schema):
    survivor_id: DbId = Field(description="The record that stays; the one in the address is merged into it")
    reason: Text = Field(description="Why the two records are the same person (audited)")


class PatientUnmergeIn(Schema):
    reason: Text = Field(description="Why the merge is undone (audited)")
