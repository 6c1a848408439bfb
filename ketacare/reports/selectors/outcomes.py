"""Access-checked reads of outcomes: a patient's score trajectory and the clinic outcome dashboard.

Rules (docs/measures.md, "Outcomes in the clinic"):
- the scores are the patient's submitted responses; an amendment replaces the response it amends
  and is placed at that response's time (measures.selectors.effective_responses);
- there are no treatment-session records yet, so the first treatment is the start date of the
  patient's earliest treatment plan that has left "proposed" (its first planned session window
  opens that day);
- the dashboard counts, per protocol (template code of that plan) and home location, the
  follow-up closest to day 28 (within days 21–35) and day 56 (49–63) after the first treatment,
  against the baseline (last score on or before the first treatment), from the per-patient rows
  that reports.actions keeps current (OutcomeSummary), pre-aggregated by the same actions
  (reports.models.OutcomeCount), so a request reads a number of rows that does not grow with patients.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.lib.fixed_reads import FixedRead
from ketacare.lib.ids import db_id_or_zero
from ketacare.measures.domain.instruments import Instrument, MeasureError, Rater
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.domain.outcomes import CourseOutcome, course_outcome
from ketacare.measures.domain.trend_chart import TrendChart, trend_chart
from ketacare.measures.models import ExternalScore
from ketacare.measures.selectors import effective_responses, organisation_remission_max
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.models import PlannedSession, TreatmentPlan
from ketacare.reports.domain.dashboard import FOLLOW_UP_WINDOWS, Dashboard, DashboardRow, dashboard_row
from ketacare.reports.models import OutcomeCount

DEFAULT_DASHBOARD_INSTRUMENT = "phq9"


def started_plans() -> QuerySet[TreatmentPlan]:
    """Plans whose course has begun (a proposed plan has not)."""
    return TreatmentPlan.objects.exclude(status=PlanStatus.PROPOSED)


# ---------------------------------------------------------------- one patient's trajectory


@dataclass(frozen=True)
class TrendRow:
    taken_at: dt.datetime
    on: dt.date
    total: int
    severity: str
    is_baseline: bool
    change: int | None = None
    percent_change: float | None = None
    response: bool | None = None
    remission: bool | None = None
    loss_of_response: bool | None = None
    # A total taken by another system (measures.ExternalScore): the system it came from and when it arrived.
    imported_from: str = ""
    imported_on: dt.date | None = None


@dataclass(frozen=True)
class Trend:
    patient: Patient
    instrument: Instrument
    rows: list[TrendRow]
    chart: TrendChart
    first_treatment_on: dt.date | None
    course: CourseOutcome | None
    remission_max_total: int | None
    no_outcome_reason: str = ""

    @property
    def latest(self) -> TrendRow | None:
        return self.rows[-1] if self.rows else None

    @property
    def has_imported(self) -> bool:
        return any(row.imported_from for row in self.rows)


def _instrument(code: str) -> Instrument:
    instrument = INSTRUMENTS.get(code)
    if instrument is None:
        raise Http404("No such instrument")
    return instrument


def _trend(patient: Patient, instrument: Instrument) -> Trend:
    zone = patient.home_location.zone if patient.home_location_id else timezone.get_default_timezone()
    responses = list(
        effective_responses()
        .filter(patient=patient, instrument=instrument.code)
        .order_by("taken_at", "id")
        .only("total", "severity", "submitted_at", "amends")
    )
    # Totals from another system join the trend, marked, but never the outcome rules: no answers, version or
    # recall window (CLINICAL.md §3), so neither a baseline nor a follow-up (docs/measures.md).
    imported = list(
        ExternalScore.objects.filter(patient=patient, instrument=instrument.code).order_by("taken_at", "id")
    )
    plans = list(started_plans().filter(patient=patient).order_by("start_date", "id"))
    sessions = list(
        PlannedSession.objects.filter(plan__patient=patient)
        .exclude(plan__status=PlanStatus.STOPPED)
        .select_related("plan__template")
        .order_by("window_start", "sequence")
    )
    first_treatment_on = plans[0].start_date if plans else None
    points = [(timezone.localtime(r.taken_at, zone).date(), r.total) for r in responses]
    threshold = organisation_remission_max(instrument, patient.organisation_id)
    course, reason = None, ""
    if first_treatment_on is None:
        reason = "No treatment plan has started, so there is no baseline to compare with."
    else:
        try:
            course = course_outcome(instrument, points, first_treatment_on, remission_max_total=threshold)
        except MeasureError as error:
            reason = str(error)
    baseline_index = None
    if course is not None:
        # The baseline is the last point on or before the first treatment (points are in time order).
        baseline_index = max(i for i, (on, _) in enumerate(points) if on <= first_treatment_on)
    follow_ups = iter(course.follow_ups if course else ())
    own_rows = []
    for index, (response, (on, total)) in enumerate(zip(responses, points, strict=True)):
        follow_up = next(follow_ups) if baseline_index is not None and index > baseline_index else None
        outcome = follow_up.outcome if follow_up else None
        own_rows.append(
            TrendRow(
                taken_at=response.taken_at,
                on=on,
                total=total,
                severity=response.severity,
                is_baseline=index == baseline_index,
                change=outcome.change if outcome else None,
                percent_change=outcome.percent_change if outcome else None,
                response=outcome.response if outcome else None,
                remission=outcome.remission if outcome else None,
                loss_of_response=outcome.loss_of_response if outcome else None,
            )
        )
    imported_rows = [
        TrendRow(
            taken_at=score.taken_at,
            on=timezone.localtime(score.taken_at, zone).date(),
            total=score.total,
            severity=band.code if (band := instrument.band_for(score.total)) else "",
            is_baseline=False,
            imported_from=score.source,
            imported_on=timezone.localtime(score.recorded_at, zone).date(),
        )
        for score in imported
    ]
    # One time line: an imported total taken at the same moment as a response stands after it (stable sort).
    rows = sorted(own_rows + imported_rows, key=lambda row: row.taken_at)
    chart = trend_chart(
        instrument,
        [(row.on, row.total) for row in rows],
        baseline_index=next((i for i, row in enumerate(rows) if row.is_baseline), None),
        imported_indexes={i for i, row in enumerate(rows) if row.imported_from},
        sessions=[
            (
                f"Planned session {s.sequence} ({s.plan.template.code}), window "
                f"{s.window_start.isoformat()} to {s.window_end.isoformat()}",
                s.window_start,
            )
            for s in sessions
        ],
    )
    return Trend(patient, instrument, rows, chart, first_treatment_on, course, threshold, reason)


def access_trend_by_patient_id(user, patient_id: int, instrument_code: str) -> Trend:
    """Staff: one patient's trajectory on one instrument (audited as a view of the chart)."""
    require_permission(user, Permission.MEASURES_VIEW)
    instrument = _instrument(instrument_code)
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"trend": instrument.code})
    return _trend(patient, instrument)


def trends_for_chart(user, patient: Patient) -> list[Trend]:
    """Trajectories of every instrument the patient has scores on, for the measures page that has
    already checked access and written its audit entry."""
    require_permission(user, Permission.MEASURES_VIEW)
    if patient.organisation_id != user.organisation_id:
        raise Http404("No such patient")
    codes = set(effective_responses().filter(patient=patient).values_list("instrument", flat=True))
    codes |= set(ExternalScore.objects.filter(patient=patient).values_list("instrument", flat=True))
    return [_trend(patient, INSTRUMENTS[code]) for code in INSTRUMENTS if code in codes]


def access_own_trend(user, instrument_code: str) -> Trend:
    """Portal: the signed-in patient's own scores on a patient-rated instrument (audited)."""
    require_permission(user, Permission.OWN_RECORD_VIEW)
    instrument = _instrument(instrument_code)
    if instrument.rater != Rater.PATIENT:
        raise Http404("No such questionnaire")
    patient = Patient.objects.select_related("organisation", "home_location").filter(user=user).first()
    if patient is None:
        raise Http404("No patient record")
    record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"trend": instrument.code})
    return _trend(patient, instrument)


# ---------------------------------------------------------------- the clinic dashboard


def dashboard_instruments() -> list[Instrument]:
    return [instrument for instrument in INSTRUMENTS.values() if instrument.response is not None]


# The dashboard's one read, its SQL built once per database connection (lib/fixed_reads.py): building it from the
# queryset cost several times what the database takes to answer (issue 19). Each request still asks the database.
# The name of each group's home location comes with its rows (NULL without one), not from a read of its own.
_outcome_counts = FixedRead(
    OutcomeCount,
    lambda organisation_id, instrument: (
        OutcomeCount.objects.filter(organisation_id=organisation_id, instrument=instrument, patients__gt=0)
        .order_by()
        .values_list(
            "protocol_code",
            "location_id",
            Subquery(
                Location.objects.filter(pk=OuterRef("location_id"), organisation_id=OuterRef("organisation_id"))
                .order_by()
                .values("name")
            ),
            "follow_up_window",
            "follow_up_total",
            "responder",
            "patients",
        )
    ),
    organisation_id=int,
    instrument=str,
)


def _aggregate(organisation_id: int, instrument: Instrument, remission: int | None) -> list[list]:
    """Counts per (protocol, home location id or None): [protocol, location name or None, with baseline, then
    per window: evaluable, responders, remitters], from the pre-aggregated rows (models.OutcomeCount), whose
    number depends on the protocols, locations and score range, not on the patients."""
    groups: dict[tuple[str, int], list] = {}
    counts = _outcome_counts.rows(organisation_id=organisation_id, instrument=instrument.code)
    for code, location_id, name, window, total, responder, patients in counts:
        group = groups.setdefault((code, location_id), [code, name] + [0] * (1 + 3 * len(FOLLOW_UP_WINDOWS)))
        if window == 0:
            group[2] += patients
            continue
        base = 3 + 3 * (window - 1)
        group[base] += patients
        group[base + 1] += patients if responder else 0
        group[base + 2] += patients if remission is not None and total <= remission else 0
    return list(groups.values())


def clinic_outcomes(user, instrument_code: str = DEFAULT_DASHBOARD_INSTRUMENT) -> Dashboard:
    """The outcome dashboard of the user's organisation (audited as a list). A constant number of
    queries whatever the number of patients and responses."""
    require_permission(user, Permission.MEASURES_DASHBOARD)
    instrument = INSTRUMENTS.get(instrument_code)
    if instrument is None or instrument.response is None:
        raise MeasureError(
            f"{instrument_code!r} is not an instrument with outcomes; choose one of "
            f"{', '.join(i.code for i in dashboard_instruments())}"
        )
    threshold = organisation_remission_max(instrument, user.organisation_id)
    groups = _aggregate(user.organisation_id, instrument, threshold)
    has_remission = threshold is not None

    def rows(key: int, name) -> list[DashboardRow]:
        labels = sorted({name(g[key]) for g in groups})
        return [dashboard_row(label, [g for g in groups if name(g[key]) == label], has_remission) for label in labels]

    dashboard = Dashboard(
        instrument=instrument,
        response_percent=instrument.response.reduction_percent,
        remission_max_total=threshold,
        by_protocol=rows(0, lambda code: code),
        by_location=rows(1, lambda location_name: "No home location" if location_name is None else location_name),
        overall=dashboard_row("All patients", groups, has_remission),
    )
    record_event(
        user,
        AuditAction.LIST,
        object_type="measures.outcomes",
        organisation=user.organisation,
        detail={"instrument": instrument.code, "patients_with_baseline": dashboard.overall.with_baseline},
    )
    return dashboard
