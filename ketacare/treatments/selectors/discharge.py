"""What discharge needs: vitals after the end of administration back in range, the minimum
observation (esketamine: from the first device; other routes: from the end of administration),
and the criteria not met."""

import datetime as dt

from ketacare.treatments.domain.discharge import LastVitals, VitalRange, missing_criteria
from ketacare.treatments.models import TreatmentSession, TreatmentSettings, VitalPhase
from ketacare.treatments.selectors.settings import settings_of


def discharge_range_of(session: TreatmentSession, settings: TreatmentSettings) -> VitalRange:
    """Back in range = at or under the protocol's delay level, with the clinic's HR and SpO2 limits."""
    template = session.template
    return VitalRange(
        max_systolic_mmhg=template.bp_delay_systolic_mmhg,
        max_diastolic_mmhg=template.bp_delay_diastolic_mmhg,
        max_heart_rate_bpm=settings.discharge_max_heart_rate_bpm,
        min_spo2_percent=settings.discharge_min_spo2_percent,
    )


def min_observation_of(session: TreatmentSession, settings: TreatmentSettings) -> int:
    if session.is_esketamine:
        return settings.esketamine_min_observation_min
    return settings.post_dose_observation_min


def observation_start_of(session: TreatmentSession) -> tuple[dt.datetime | None, str]:
    """When the minimum observation starts, and how to name that moment.

    Esketamine: the first device (CLINICAL.md §2, REMS: monitored at least 2 hours from the first
    device). Other routes: the end of administration (issue 14: an infusion's observation begins
    when it stops; the length is the clinic's `post_dose_observation_min`, UNVERIFIED).
    """
    if session.is_esketamine:
        return session.first_device_at, "the first device"
    return session.administration_stopped_at, "the end of administration"


def discharge_gaps(
    session: TreatmentSession, *, alert: bool, walking_steadily: bool, accompanied_home: bool, now: dt.datetime
) -> dict[str, str]:
    """Discharge criteria not met (empty = may go)."""
    settings = settings_of(session)
    ended_at = session.administration_stopped_at
    last = None
    if ended_at is not None:
        last = (
            session.vitals.exclude(phase=VitalPhase.PRE_DOSE)
            .filter(recorded_at__gte=ended_at)
            .order_by("-recorded_at", "-id")
            .first()
        )
    observed_from_at, observed_from = observation_start_of(session)
    return missing_criteria(
        last_vitals=None
        if last is None
        else LastVitals(last.systolic_mmhg, last.diastolic_mmhg, last.heart_rate_bpm, last.spo2_percent),
        allowed=discharge_range_of(session, settings),
        alert=alert,
        walking_steadily=walking_steadily,
        accompanied_home=accompanied_home,
        observed_minutes=None if observed_from_at is None else (now - observed_from_at) / dt.timedelta(minutes=1),
        min_observation_min=min_observation_of(session, settings),
        observed_from=observed_from,
    )
