"""Esketamine REMS rules (CLINICAL.md §2), pure Python.

- the outpatient setting must hold a current REMS certification;
- the patient must be enrolled before the first treatment;
- a Patient Monitoring Form (PMF) is due after every session, submitted within 7 days.
"""

import datetime as dt
from dataclasses import dataclass

# CLINICAL.md §2: "PMF after every session, submitted within 7 days". A later REMS
# modification is UNVERIFIED, so the number is a setting (REMS_PMF_DEADLINE_DAYS).
DEFAULT_PMF_DEADLINE_DAYS = 7
# CLINICAL.md §2: monitored at least 2 hours and until the effects resolve.
MIN_MONITORING_MINUTES = 120


@dataclass(frozen=True)
class CertificationFacts:
    certificate_id: str
    certified_on: dt.date
    expires_on: dt.date | None
    is_active: bool


def certification_problem(location_name: str, certifications: list[CertificationFacts], today: dt.date) -> str:
    """'' when one certification is current on `today`, otherwise why the setting is not certified."""
    live = [c for c in certifications if c.is_active]
    if any(c.certified_on <= today and (c.expires_on is None or today <= c.expires_on) for c in live):
        return ""
    if not live:
        return f"{location_name} has no esketamine REMS certification on record; record it before esketamine sessions."
    if all(c.certified_on > today for c in live):
        return f"{location_name}'s esketamine REMS certification starts on {min(c.certified_on for c in live)}."
    last = max(c.expires_on for c in live if c.expires_on is not None)
    return f"{location_name}'s esketamine REMS certification expired on {last}; record the renewal."


def enrollment_problem(patient_name: str, enrolled_on: list[dt.date], today: dt.date) -> str:
    """'' when the patient is enrolled on or before `today` (CLINICAL.md §2: enroll before the first treatment)."""
    if any(on <= today for on in enrolled_on):
        return ""
    if enrolled_on:
        return f"{patient_name}'s esketamine REMS enrollment starts on {min(enrolled_on)}."
    return f"{patient_name} is not enrolled in the esketamine REMS; enroll them before the first treatment."


class PmfState:
    DUE = "due"
    OVERDUE = "overdue"
    SUBMITTED = "submitted"


def pmf_deadline(treatment_date: dt.date, deadline_days: int = DEFAULT_PMF_DEADLINE_DAYS) -> dt.date:
    """The last day to submit the form for a session on `treatment_date`."""
    return treatment_date + dt.timedelta(days=deadline_days)


def pmf_state(
    treatment_date: dt.date,
    submitted_on: dt.date | None,
    today: dt.date,
    deadline_days: int = DEFAULT_PMF_DEADLINE_DAYS,
) -> str:
    if submitted_on is not None:
        return PmfState.SUBMITTED
    return PmfState.OVERDUE if today > pmf_deadline(treatment_date, deadline_days) else PmfState.DUE
