"""Access-checked reads of outcomes: a patient's score trajectory and the clinic outcome dashboard.

Rules (docs/measures.md, "Outcomes in the clinic"):
- the scores are the patient's submitted responses; an amendment replaces the response it amends
  and is placed at that response's time;
- there are no treatment-session records yet, so the first treatment is the start date of the
  patient's earliest treatment plan that has left "proposed" (its first planned session window
  opens that day);
- the dashboard counts, per protocol (template code of that plan) and home location, the
  follow-up closest to day 28 (within days 21–35) and day 56 (49–63) after the first treatment,
  against the baseline (last score on or before the first treatment), all in the database.
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.measures.domain.instruments import Instrument, MeasureError, Rater
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.domain.outcomes import CourseOutcome, course_outcome
from ketacare.measures.domain.trend_chart import TrendChart, bar_width, trend_chart
from ketacare.measures.models import MeasurementSettings, OutcomeSummary, QuestionnaireResponse, ResponseStatus
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.models import PlannedSession, ProtocolTemplate, TreatmentPlan

# Follow-up windows of the dashboard: (label, target day after the first treatment, ± days).
# Two windows, kept per patient in OutcomeSummary.week4_total and week8_total.
FOLLOW_UP_WINDOWS = (("4 weeks", 28, 7), ("8 weeks", 56, 7))
DEFAULT_DASHBOARD_INSTRUMENT = "phq9"


class DayNumber(Func):
    """Days since 1970-01-01 (UTC) of a date or an aware datetime, as an integer, in SQLite and PostgreSQL."""

    output_field = IntegerField()

    def as_sql(self, compiler, connection, **extra_context):  # PostgreSQL
        inner = "(%(expressions)s AT TIME ZONE 'UTC')::date" if self._is_datetime() else "%(expressions)s::date"
        return super().as_sql(compiler, connection, template=f"({inner} - DATE '1970-01-01')", **extra_context)

    def as_sqlite(self, compiler, connection, **extra_context):
        # julianday() of 1970-01-01 00:00 is 2440587.5; SQLite stores UTC text for datetimes.
        return super().as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)", **extra_context
        )

    def _is_datetime(self) -> bool:
        return self.source_expressions[0].output_field.get_internal_type() == "DateTimeField"


def effective_responses() -> QuerySet[QuestionnaireResponse]:
    """Submitted responses not replaced by a submitted amendment, with `taken_at` (the time the
    score stands for: an amendment takes the time of the response it corrects)."""
    return QuestionnaireResponse.objects.filter(status=ResponseStatus.SUBMITTED).exclude(
        Exists(QuestionnaireResponse.objects.filter(amends=OuterRef("pk"), status=ResponseStatus.SUBMITTED))
    ).annotate(taken_at=Coalesce("amends__submitted_at", "submitted_at"))


def treatment_plans() -> QuerySet[TreatmentPlan]:
    """Plans whose course has begun (a proposed plan has not)."""
    return TreatmentPlan.objects.exclude(status=PlanStatus.PROPOSED)


def remission_max(instrument: Instrument, settings: MeasurementSettings) -> int | None:
    """The clinic's remission threshold: MADRS from the clinic settings, others the instrument's."""
    if instrument.remission is None:
        return None
    return settings.madrs_remission_max if instrument.code == "madrs" else instrument.remission.max_total


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


def _instrument(code: str) -> Instrument:
    instrument = INSTRUMENTS.get(code)
    if instrument is None:
        raise Http404("No such instrument")
    return instrument


def _trend(patient: Patient, instrument: Instrument) -> Trend:
    zone = patient.home_location.zone if patient.home_location_id else timezone.get_default_timezone()
    responses = list(
        effective_responses().filter(patient=patient, instrument=instrument.code)
        .order_by("taken_at", "id").only("total", "severity", "submitted_at", "amends")
    )
    plans = list(treatment_plans().filter(patient=patient).order_by("start_date", "id"))
    sessions = list(
        PlannedSession.objects.filter(plan__patient=patient).exclude(plan__status=PlanStatus.STOPPED)
        .select_related("plan__template").order_by("window_start", "sequence")
    )
    first_treatment_on = plans[0].start_date if plans else None
    points = [(timezone.localtime(r.taken_at, zone).date(), r.total) for r in responses]
    settings = MeasurementSettings.for_organisation(patient.organisation)
    threshold = remission_max(instrument, settings)
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
    rows = []
    for index, (response, (on, total)) in enumerate(zip(responses, points)):
        follow_up = next(follow_ups) if baseline_index is not None and index > baseline_index else None
        outcome = follow_up.outcome if follow_up else None
        rows.append(TrendRow(
            taken_at=response.taken_at, on=on, total=total, severity=response.severity,
            is_baseline=index == baseline_index,
            change=outcome.change if outcome else None,
            percent_change=outcome.percent_change if outcome else None,
            response=outcome.response if outcome else None,
            remission=outcome.remission if outcome else None,
            loss_of_response=outcome.loss_of_response if outcome else None,
        ))
    chart = trend_chart(
        instrument, points, baseline_index=baseline_index,
        sessions=[(f"Planned session {s.sequence} ({s.plan.template.code}), window "
                   f"{s.window_start.isoformat()} to {s.window_end.isoformat()}", s.window_start) for s in sessions],
    )
    return Trend(patient, instrument, rows, chart, first_treatment_on, course, threshold, reason)


def access_trend_by_patient_id(user, patient_id: int, instrument_code: str) -> Trend:
    """Staff: one patient's trajectory on one instrument (audited as a view of the chart)."""
    require_permission(user, Permission.MEASURES_VIEW)
    instrument = _instrument(instrument_code)
    patient = access_patient_by_id(user, patient_id if 0 < patient_id < 2**63 else 0, audit=False)
    record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"trend": instrument.code})
    return _trend(patient, instrument)


def trends_for_chart(user, patient: Patient) -> list[Trend]:
    """Trajectories of every instrument the patient has scores on, for the measures page that has
    already checked access and written its audit entry."""
    require_permission(user, Permission.MEASURES_VIEW)
    if patient.organisation_id != user.organisation_id:
        raise Http404("No such patient")
    codes = set(effective_responses().filter(patient=patient).values_list("instrument", flat=True))
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


@dataclass(frozen=True)
class WindowRates:
    evaluable: int
    responders: int
    remitters: int | None  # None: the instrument has no remission rule

    def _percent(self, count: int | None) -> float | None:
        return None if count is None or not self.evaluable else 100 * count / self.evaluable

    @property
    def response_percent(self) -> float | None:
        return self._percent(self.responders)

    @property
    def remission_percent(self) -> float | None:
        return self._percent(self.remitters)

    @property
    def response_bar(self) -> float:
        return bar_width(self.responders, self.evaluable)

    @property
    def remission_bar(self) -> float:
        return bar_width(self.remitters or 0, self.evaluable)


@dataclass(frozen=True)
class DashboardRow:
    label: str
    with_baseline: int
    windows: tuple[WindowRates, ...]


@dataclass(frozen=True)
class Dashboard:
    instrument: Instrument
    response_percent: int
    remission_max_total: int | None
    by_protocol: list[DashboardRow]
    by_location: list[DashboardRow]
    overall: DashboardRow
    windows: tuple[tuple[str, int, int], ...] = FOLLOW_UP_WINDOWS

    @property
    def overall_rows(self) -> list[DashboardRow]:
        return [self.overall]


def dashboard_instruments() -> list[Instrument]:
    return [instrument for instrument in INSTRUMENTS.values() if instrument.response is not None]


def _first_plans(patient_ids: list[int]) -> QuerySet[TreatmentPlan]:
    """Each patient's first started plan: patient, plan and start day."""
    plans = treatment_plans()
    earlier = plans.filter(patient=OuterRef("patient")).filter(
        Q(start_date__lt=OuterRef("start_date")) | Q(start_date=OuterRef("start_date"), id__lt=OuterRef("id"))
    )
    return (
        plans.filter(patient_id__in=patient_ids).exclude(Exists(earlier)).order_by()
        .values("patient_id", plan_id=F("id"), start_day=DayNumber("start_date"))
    )


def _scores(patient_ids: list[int]) -> QuerySet[QuestionnaireResponse]:
    codes = [instrument.code for instrument in dashboard_instruments()]
    return (
        effective_responses().filter(patient_id__in=patient_ids, instrument__in=codes)
        .order_by().values("id", "patient_id", "instrument", "total", "taken_at", day=DayNumber("taken_at"))
    )


def _summary_rows(patient_ids: list[int]) -> list[tuple]:
    """(patient, instrument, first plan, baseline, follow-up totals...) in one query: each score is
    put in a bucket (baseline, or a follow-up window) by its day after the patient's first
    treatment, ranked within the bucket by window functions, and the first of each bucket kept."""
    plans_sql, plans_params = _first_plans(patient_ids).query.sql_with_params()
    scores_sql, scores_params = _scores(patient_ids).query.sql_with_params()
    buckets = " ".join(
        f"WHEN s.day_after BETWEEN {target - half} AND {target + half} THEN {index}"
        for index, (_, target, half) in enumerate(FOLLOW_UP_WINDOWS)
    )
    targets = " ".join(f"WHEN {index} THEN {target}" for index, (_, target, _) in enumerate(FOLLOW_UP_WINDOWS))
    picked = ", ".join(
        f"MAX(CASE WHEN k.bucket = {index} THEN k.total END)" for index in range(len(FOLLOW_UP_WINDOWS))
    )
    sql = f"""
        WITH p AS ({plans_sql}),
        r AS ({scores_sql}),
        s AS (SELECT p.patient_id, p.plan_id, r.instrument, r.id, r.total, r.taken_at,
                     r.day - p.start_day AS day_after
              FROM p JOIN r ON r.patient_id = p.patient_id),
        b AS (SELECT s.*, CASE WHEN s.day_after <= 0 THEN -1 {buckets} END AS bucket FROM s),
        k AS (SELECT b.*,
                -- Baseline: the last score on or before the first treatment.
                ROW_NUMBER() OVER (PARTITION BY b.patient_id, b.instrument, b.bucket
                                   ORDER BY b.taken_at DESC, b.id DESC) AS last_rank,
                -- Follow-up: the score closest to the target day; on a tie the earlier one.
                ROW_NUMBER() OVER (PARTITION BY b.patient_id, b.instrument, b.bucket
                                   ORDER BY ABS(b.day_after - CASE b.bucket {targets} ELSE 0 END), b.taken_at, b.id)
                  AS closest_rank
              FROM b WHERE b.bucket IS NOT NULL)
        SELECT k.patient_id, k.instrument, k.plan_id, MAX(CASE WHEN k.bucket = -1 THEN k.total END), {picked}
        FROM k WHERE CASE WHEN k.bucket = -1 THEN k.last_rank ELSE k.closest_rank END = 1
        GROUP BY k.patient_id, k.instrument, k.plan_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*plans_params, *scores_params])
        return cursor.fetchall()


def refresh_outcome_summaries(patients: Iterable[Patient]) -> None:
    """Recompute the dashboard rows (OutcomeSummary) of these patients on every instrument; called
    inside the actions that change scores or plans, so the rows are never stale."""
    by_id = {patient.pk: patient for patient in patients}
    ids = sorted(by_id)
    rows = _summary_rows(ids)
    OutcomeSummary.objects.filter(patient_id__in=ids).delete()
    OutcomeSummary.objects.bulk_create([
        OutcomeSummary(
            patient_id=patient_id, organisation_id=by_id[patient_id].organisation_id, instrument=instrument,
            first_plan_id=plan_id, baseline_total=baseline, week4_total=week4, week8_total=week8,
        )
        for patient_id, instrument, plan_id, baseline, week4, week8 in rows
    ])


def _aggregate(organisation_id: int, instrument: Instrument, percent: int, remission: int | None) -> list[tuple]:
    """Counts per (protocol, home location) in ONE grouped query over the summary rows."""
    columns, column_params = [], []
    for total in ("o.week4_total", "o.week8_total"):
        # The same rules as domain/outcomes.py: integer arithmetic; no response from a baseline of 0.
        columns += [
            f"SUM(CASE WHEN {total} IS NOT NULL THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {total} IS NOT NULL AND o.baseline_total > 0 "
            f"AND 100 * (o.baseline_total - {total}) >= %s * o.baseline_total THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {total} IS NOT NULL AND {total} <= %s THEN 1 ELSE 0 END)",
        ]
        column_params += [percent, -1 if remission is None else remission]
    summary, plan = OutcomeSummary._meta.db_table, TreatmentPlan._meta.db_table
    template, patient = ProtocolTemplate._meta.db_table, Patient._meta.db_table
    sql = f"""
        SELECT t.code, pt.home_location_id, COUNT(*), {", ".join(columns)}
        FROM {summary} o
        JOIN {plan} pl ON pl.id = o.first_plan_id
        JOIN {template} t ON t.id = pl.template_id
        JOIN {patient} pt ON pt.id = o.patient_id
        WHERE o.organisation_id = %s AND o.instrument = %s AND o.baseline_total IS NOT NULL
        GROUP BY t.code, pt.home_location_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*column_params, organisation_id, instrument.code])
        return cursor.fetchall()


def _row(label: str, groups: list[tuple], has_remission: bool) -> DashboardRow:
    windows = []
    for index in range(len(FOLLOW_UP_WINDOWS)):
        base = 3 + 3 * index
        windows.append(WindowRates(
            evaluable=sum(int(g[base]) for g in groups),
            responders=sum(int(g[base + 1]) for g in groups),
            remitters=sum(int(g[base + 2]) for g in groups) if has_remission else None,
        ))
    return DashboardRow(label, sum(int(g[2]) for g in groups), tuple(windows))


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
    settings = MeasurementSettings.for_organisation(user.organisation)
    percent = instrument.response.reduction_percent
    threshold = remission_max(instrument, settings)
    groups = _aggregate(user.organisation_id, instrument, percent, threshold)
    location_names = dict(
        Location.objects.filter(organisation_id=user.organisation_id).order_by().values_list("id", "name")
    )
    has_remission = threshold is not None

    def rows(key: int, name) -> list[DashboardRow]:
        labels = sorted({name(g[key]) for g in groups})
        return [_row(label, [g for g in groups if name(g[key]) == label], has_remission) for label in labels]

    dashboard = Dashboard(
        instrument=instrument, response_percent=percent, remission_max_total=threshold,
        by_protocol=rows(0, lambda code: code),
        by_location=rows(1, lambda location_id: location_names.get(location_id, "No home location")),
        overall=_row("All patients", groups, has_remission),
    )
    record_event(user, AuditAction.LIST, object_type="measures.outcomes", organisation=user.organisation,
                 detail={"instrument": instrument.code, "patients_with_baseline": dashboard.overall.with_baseline})
    return dashboard

