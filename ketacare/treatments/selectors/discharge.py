"""What discharge needs: the vitals back in range, the minimum observation, and the criteria not met."""

import datetime as dt

from ketacare.treatments.domain.discharge import LastVitals, VitalRange, missing_criteria
from ketacare.treatments.models import TreatmentSession, TreatmentSettings, VitalPhase
from ketacare.treatments.selectors.monitoring import minutes_since_start
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
    return settings.other_min_observation_min


def discharge_gaps(
    session: TreatmentSession, *, alert: bool, walking_steadily: bool, accompanied_home: bool, now: dt.datetime
) -> dict[str, str]:
    """Discharge criteria not met (empty = may go)."""
    settings = settings_of(session)
    last = session.vitals.exclude(phase=VitalPhase.PRE_DOSE).order_by("-recorded_at", "-id").first()
    return missing_criteria(
        last_vitals=None
        if last is None
        else LastVitals(last.systolic_mmhg, last.diastolic_mmhg, last.heart_rate_bpm, last.spo2_percent),
        allowed=discharge_range_of(session, settings),
        alert=alert,
        walking_steadily=walking_steadily,
        accompanied_home=accompanied_home,
        observed_minutes=minutes_since_start(session, now),
        min_observation_min=min_observation_of(session, settings),
    )
