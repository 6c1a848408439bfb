"""Fast set-up for outcome tests: plans and submitted scores written directly (the scoring path is
tested elsewhere; here only the dates and totals matter), then the patient's dashboard rows
refreshed as the actions do (test_outcome_summary.py checks that the actions do)."""

import datetime as dt

from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.models import QuestionnaireResponse, ResponseChannel, ResponseStatus
from ketacare.protocols.models import Drug, PlannedSession, ProtocolTemplate, Route, TreatmentPlan
from ketacare.reports.actions import refresh_outcome_summaries

START = dt.date(2026, 3, 2)


def make_template(code: str = "iv-ketamine") -> ProtocolTemplate:
    return ProtocolTemplate.objects.create(
        code=code,
        name=code,
        route=Route.IM,
        drug=Drug.KETAMINE_RACEMIC,
        induction_session_count=6,
        induction_window_days=21,
        sessions_per_week_min=2,
        sessions_per_week_max=3,
        session_length_min=90,
    )


def make_plan(patient, prescriber, template, start: dt.date = START, *, status="active", sessions=3) -> TreatmentPlan:
    plan = TreatmentPlan.objects.create(
        patient=patient,
        template=template,
        status=status,
        start_date=start,
        created_by=prescriber,
    )
    PlannedSession.objects.bulk_create(
        [
            PlannedSession(
                plan=plan,
                sequence=n + 1,
                window_start=start + dt.timedelta(days=3 * n),
                window_end=start + dt.timedelta(days=3 * n + 1),
            )
            for n in range(sessions)
        ]
    )
    refresh_outcome_summaries([patient])
    return plan


def at(day: dt.date, hour: int = 18) -> dt.datetime:
    """Noon-ish UTC, so the local (Pacific) date and the UTC date are the same day."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def score(patient, total: int, on: dt.date, instrument: str = "phq9", *, amends=None) -> QuestionnaireResponse:
    response = QuestionnaireResponse.objects.create(
        patient=patient,
        instrument=instrument,
        instrument_version=INSTRUMENTS[instrument].version,
        status=ResponseStatus.SUBMITTED,
        total=total,
        severity=getattr(INSTRUMENTS[instrument].band_for(total), "code", ""),
        submitted_at=at(on),
        channel=ResponseChannel.STAFF,
        amends=amends,
        amendment_reason="corrected" if amends else "",
    )
    refresh_outcome_summaries([patient])
    return response


def days(n: int) -> dt.date:
    return START + dt.timedelta(days=n)
