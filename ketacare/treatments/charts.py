"""From session rows to the pure chart geometry of domain/vitals_chart.py."""

from ketacare.treatments.domain.vitals_chart import (
    Reading,
    SessionPeak,
    VitalsChart,
    across_sessions_chart,
    session_chart,
)
from ketacare.treatments.models import TreatmentSession, VitalSign


def _levels(template):
    return (
        (template.bp_delay_systolic_mmhg, template.bp_delay_diastolic_mmhg),
        (template.bp_stop_systolic_mmhg, template.bp_stop_diastolic_mmhg),
    )


def session_chart_for(session: TreatmentSession, vitals: list[VitalSign]) -> VitalsChart | None:
    if not vitals:
        return None
    delay, stop = _levels(session.template)
    times = session.template.vital_check_times_min or []
    return session_chart(
        [Reading(v.minute, v.systolic_mmhg, v.diastolic_mmhg, v.heart_rate_bpm) for v in vitals],
        horizon_min=max([session.template.session_length_min or 0, *times]),
        delay=delay,
        stop=stop,
    )


def across_sessions_chart_for(sessions: list[TreatmentSession]) -> VitalsChart | None:
    peaks = []
    for session in sessions:
        vitals = list(session.vitals.all())
        if vitals:
            peaks.append(
                SessionPeak(
                    session.checked_in_at.astimezone(session.location.zone).date(),
                    max(v.systolic_mmhg for v in vitals),
                    max(v.diastolic_mmhg for v in vitals),
                    max(v.heart_rate_bpm for v in vitals),
                )
            )
    if not peaks:
        return None
    delay, stop = _levels(sessions[-1].template)
    return across_sessions_chart(peaks, delay=delay, stop=stop)
