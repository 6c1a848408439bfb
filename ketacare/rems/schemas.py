"""API shapes of REMS certifications, enrollments and monitoring forms."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK
from ketacare.rems.selectors import Dashboard, DashboardRow

Code = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=60)]
Name = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=200)]
Reason = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=2000)]
Day = Annotated[dt.date, Field(ge=dt.date(2019, 1, 1), le=dt.date(2100, 12, 31))]
Mmhg = Annotated[int, Field(ge=20, le=350)]
Minutes = Annotated[int, Field(ge=0, le=1440)]


class CertificationIn(Schema):
    location_id: DbId
    certificate_id: Code
    certified_on: Day
    expires_on: Day | None = None
    authorized_representative: Name


class CertificationOut(Schema):
    id: int
    location_id: int
    certificate_id: str
    certified_on: dt.date
    expires_on: dt.date | None
    authorized_representative: str
    is_active: bool
    withdrawn_reason: str


class WithdrawIn(Schema):
    reason: Reason


class LocationStatusOut(Schema):
    location_id: int
    location: str
    certified: bool
    problem: str


class EnrollmentIn(Schema):
    enrollment_id: Code
    enrolled_on: Day
    enrolled_by_id: DbId | None = None


class EnrollmentOut(Schema):
    id: int
    patient_id: int
    enrollment_id: str
    enrolled_on: dt.date
    enrolled_by_id: int
    is_active: bool
    withdrawn_reason: str


class FormOut(Schema):
    id: int
    patient_id: int
    location_id: int
    session_id: int | None
    status: str
    monitoring_clinician_id: int | None
    monitoring_clinician_phone: str
    treatment_date: dt.date | None
    first_treatment: bool | None
    dose_mg: int | None
    lot_number: str
    monitoring_minutes: int | None
    ready_to_leave_minutes: int | None
    vitals_in_range_before_dose: bool | None
    vitals_in_range_before_leaving: bool | None
    bp_before_systolic_mmhg: int | None
    bp_before_diastolic_mmhg: int | None
    bp_40min_systolic_mmhg: int | None
    bp_40min_diastolic_mmhg: int | None
    bp_leaving_systolic_mmhg: int | None
    bp_leaving_diastolic_mmhg: int | None
    sedation: bool | None
    dissociation: bool | None
    respiratory_depression: bool | None
    benzodiazepines: bool | None
    non_benzodiazepine_sedative_hypnotics: bool | None
    psychostimulants: bool | None
    maois: bool | None
    opioids: bool | None
    notes: str
    finalised_at: dt.datetime | None
    finalised_by_id: int | None
    submitted_on: dt.date | None
    missing: list[str]


class FormChangeIn(Schema):
    """Only the fields sent are changed; null clears a value."""

    monitoring_clinician: DbId | None = None
    monitoring_clinician_phone: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=32)] | None = None
    treatment_date: Day | None = None
    first_treatment: bool | None = None
    dose_mg: Annotated[int, Field(ge=1, le=1000)] | None = None
    lot_number: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=60)] | None = None
    monitoring_minutes: Minutes | None = None
    ready_to_leave_minutes: Minutes | None = None
    vitals_in_range_before_dose: bool | None = None
    vitals_in_range_before_leaving: bool | None = None
    bp_before_systolic_mmhg: Mmhg | None = None
    bp_before_diastolic_mmhg: Mmhg | None = None
    bp_40min_systolic_mmhg: Mmhg | None = None
    bp_40min_diastolic_mmhg: Mmhg | None = None
    bp_leaving_systolic_mmhg: Mmhg | None = None
    bp_leaving_diastolic_mmhg: Mmhg | None = None
    sedation: bool | None = None
    dissociation: bool | None = None
    respiratory_depression: bool | None = None
    benzodiazepines: bool | None = None
    non_benzodiazepine_sedative_hypnotics: bool | None = None
    psychostimulants: bool | None = None
    maois: bool | None = None
    opioids: bool | None = None
    notes: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=5000)] | None = None

    def changes(self) -> dict:
        return self.dict(exclude_unset=True)


class SubmittedIn(Schema):
    submitted_on: Day


class DashboardRowOut(Schema):
    form_id: int | None
    session_id: int | None
    patient_id: int
    location_id: int
    treatment_date: dt.date
    deadline: dt.date
    state: str
    days_left: int


class DashboardOut(Schema):
    deadline_days: int
    due: list[DashboardRowOut]
    overdue: list[DashboardRowOut]
    locations: list[LocationStatusOut]


def _row_out(row: DashboardRow) -> dict:
    return {
        "form_id": row.form.pk if row.form else None,
        "session_id": row.session_id,
        "patient_id": row.patient.pk,
        "location_id": row.location.pk,
        "treatment_date": row.treatment_date,
        "deadline": row.deadline,
        "state": row.state,
        "days_left": row.days_left,
    }


def dashboard_out(dashboard: Dashboard) -> dict:
    return {
        "deadline_days": dashboard.deadline_days,
        "due": [_row_out(r) for r in dashboard.due],
        "overdue": [_row_out(r) for r in dashboard.overdue],
        "locations": [
            {
                "location_id": s.location.pk,
                "location": s.location.name,
                "certified": not s.problem,
                "problem": s.problem,
            }
            for s in dashboard.locations
        ],
    }
