"""API shapes of treatment sessions."""

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Field, Schema
from pydantic import StringConstraints

from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK
from ketacare.treatments.models import TreatmentSession
from ketacare.treatments.selectors import vital_schedule

Text = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=2000)]
ShortText = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)]
Mg = Annotated[Decimal, Field(gt=0, le=99999, decimal_places=3)]
CheckItemName = Literal[
    "identity", "questionnaires", "weight", "fasting", "driver", "pregnancy_test", "interacting_medicines"
]
Medicine = Literal["benzodiazepine", "non_benzo_sedative", "psychostimulant", "maoi", "opioid"]


class StartIn(Schema):
    appointment_id: DbId


class CheckIn(Schema):
    item: CheckItemName
    passed: bool
    note: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=500)] = ""
    weight_kg: Annotated[Decimal, Field(ge=30, le=300, decimal_places=1)] | None = None
    interacting_medicines: list[Medicine] = Field(default_factory=list, max_length=5)


class VitalsIn(Schema):
    systolic_mmhg: Annotated[int, Field(ge=40, le=300)]
    diastolic_mmhg: Annotated[int, Field(ge=20, le=200)]
    heart_rate_bpm: Annotated[int, Field(ge=20, le=250)]
    spo2_percent: Annotated[int, Field(ge=50, le=100)]
    respiratory_rate_per_min: Annotated[int, Field(ge=4, le=60)] | None = None


class SessionReasonIn(Schema):
    reason: Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=2000)]


class SessionDoseIn(Schema):
    vial_id: DbId
    checker_username: Annotated[str, Field(max_length=150, description="The second checker signs in: on shift here")]
    checker_password: Annotated[str, Field(max_length=200)]
    dose_mg: Literal[28, 56, 84] | None = Field(None, description="Esketamine only: the dose in mg")


class SessionWasteIn(Schema):
    preparation_id: DbId
    quantity_mg: Mg
    witness_id: DbId
    witness_password: Annotated[str, Field(max_length=200)]
    reason: Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=500)]


class RatingIn(Schema):
    instrument: Literal["cadss", "moaas"]
    answers: dict[Annotated[str, StringConstraints(pattern=r"^[0-9]{1,2}$")], Annotated[int, Field(ge=0, le=10)]] = (
        Field(max_length=30)
    )


class AdverseEventIn(Schema):
    kind: Literal[
        "nausea",
        "vomiting",
        "hypertension",
        "dysphoria",
        "anxiety",
        "sedation",
        "dissociation",
        "respiratory_depression",
        "other",
    ]
    severity: Literal["mild", "moderate", "severe"] = "mild"
    description: Text = ""
    action_taken: Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=2000)]
    rescue_medicine: ShortText = ""
    rescue_dose_mg: Mg | None = None


class DischargeIn(Schema):
    alert: bool
    walking_steadily: bool
    accompanied_home: bool
    escort_name: ShortText = ""
    note: Text = ""


class SessionAddendumIn(Schema):
    text: Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=5000)]


class CheckOut(Schema):
    item: str
    passed: bool
    note: str
    recorded_by_id: int
    recorded_at: dt.datetime


class VitalOut(Schema):
    id: int
    phase: str
    recorded_at: dt.datetime
    minute: int | None
    scheduled_minute: int | None
    minutes_late: int
    systolic_mmhg: int
    diastolic_mmhg: int
    heart_rate_bpm: int
    spo2_percent: int
    respiratory_rate_per_min: int | None


class ScheduledCheckOut(Schema):
    scheduled_minute: int
    state: str
    minutes_late: int


class PreparationOut(Schema):
    id: int
    vial_id: int
    lot: str
    dose_mg: Decimal
    volume_ml: Decimal | None
    drawn_by_id: int
    checked_by_id: int
    drawn_at: dt.datetime
    ledger_entry_id: int | None
    wasted_mg: Decimal | None
    waste_witness_id: int | None
    waste_ledger_entry_id: int | None


class DeviceOut(Schema):
    sequence: int
    dose_mg: Decimal
    administered_at: dt.datetime
    rest_ends_at: dt.datetime


class RatingOut(Schema):
    id: int
    instrument: str
    total: int | None
    response_id: int
    minute: int | None
    recorded_at: dt.datetime


class AdverseEventOut(Schema):
    id: int
    kind: str
    severity: str
    onset_at: dt.datetime
    description: str
    action_taken: str
    rescue_medicine: str
    rescue_dose_mg: Decimal | None


class SignatureOut(Schema):
    role: str
    signed_by_id: int
    signed_at: dt.datetime


class SessionAddendumOut(Schema):
    id: int
    text: str
    written_by_id: int
    written_at: dt.datetime


class TreatmentSessionOut(Schema):
    id: int
    status: str
    patient_id: int
    location_id: int
    plan_id: int
    template_id: int
    appointment_id: int | None
    route: str
    drug: str
    checked_in_at: dt.datetime
    weight_kg: Decimal | None
    interacting_medicines: list[str]
    hold_reason: str
    held_at: dt.datetime | None
    override_reason: str
    overridden_by_id: int | None
    administration_started_at: dt.datetime | None
    administration_stopped_at: dt.datetime | None
    discharged_at: dt.datetime | None
    monitoring_minutes: int | None
    dose_mg: Decimal | None
    signed_at: dt.datetime | None
    checks: list[CheckOut]
    vitals: list[VitalOut]
    vital_schedule: list[ScheduledCheckOut]
    preparations: list[PreparationOut]
    devices: list[DeviceOut]
    ratings: list[RatingOut]
    adverse_events: list[AdverseEventOut]
    signatures: list[SignatureOut]
    addenda: list[SessionAddendumOut]


class DayRowOut(Schema):
    appointment_id: int
    starts_at: dt.datetime
    patient_id: int
    appointment_type: str
    session_id: int | None
    session_status: str | None


_LISTS = (
    "checks",
    "vitals",
    "vital_schedule",
    "preparations",
    "devices",
    "ratings",
    "adverse_events",
    "signatures",
    "addenda",
)


def session_out(session: TreatmentSession) -> dict:
    fields = {name: getattr(session, name) for name in TreatmentSessionOut.model_fields if name not in _LISTS}
    return {
        **fields,
        "checks": list(session.checks.all()),
        "vitals": list(session.vitals.all()),
        "vital_schedule": [
            {"scheduled_minute": c.scheduled_minute, "state": str(c.state), "minutes_late": c.minutes_late}
            for c in vital_schedule(session)
        ],
        "preparations": list(session.preparations.all()),
        "devices": list(session.devices.all()),
        "ratings": [
            {
                "id": r.pk,
                "instrument": r.instrument,
                "total": r.response.total,
                "response_id": r.response_id,
                "minute": r.minute,
                "recorded_at": r.recorded_at,
            }
            for r in session.ratings.select_related("response")
        ],
        "adverse_events": list(session.adverse_events.all()),
        "signatures": list(session.signatures.all()),
        "addenda": list(session.addenda.all()),
    }
