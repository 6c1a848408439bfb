"""The outcome dashboard's per-patient rows (measures' OutcomeSummary), recomputed whenever what
they are computed from changes.

Measures and protocols stand below reports, so their actions do not call this: they send
measures.hooks.outcome_inputs_changed inside their transaction, and the receiver below (connected
in ReportsConfig.ready) recomputes the rows there and then, so the rows are never stale. Data
loaded around the actions is caught up by `ketacare rebuild_outcomes`.

Rules (docs/measures.md, "Outcomes in the clinic"): per patient and instrument with a response
rule, the baseline (last score on or before the first treatment) and, in each follow-up window
(domain/dashboard.py), the score closest to the target day, all in the database.
"""

from collections.abc import Iterable

from django.db import connection
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet

from ketacare.measures.models import OutcomeSummary, QuestionnaireResponse
from ketacare.measures.selectors import effective_responses
from ketacare.patients.models import Patient
from ketacare.protocols.models import TreatmentPlan
from ketacare.reports.domain.dashboard import FOLLOW_UP_WINDOWS
from ketacare.reports.selectors.outcomes import dashboard_instruments, started_plans


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


def _first_plans(patient_ids: list[int]) -> QuerySet[TreatmentPlan]:
    """Each patient's first started plan: patient, plan and start day."""
    plans = started_plans()
    earlier = plans.filter(patient=OuterRef("patient")).filter(
        Q(start_date__lt=OuterRef("start_date")) | Q(start_date=OuterRef("start_date"), id__lt=OuterRef("id"))
    )
    return (
        plans.filter(patient_id__in=patient_ids)
        .exclude(Exists(earlier))
        .order_by()
        .values("patient_id", plan_id=F("id"), start_day=DayNumber("start_date"))
    )


def _scores(patient_ids: list[int]) -> QuerySet[QuestionnaireResponse]:
    codes = [instrument.code for instrument in dashboard_instruments()]
    return (
        effective_responses()
        .filter(patient_id__in=patient_ids, instrument__in=codes)
        .order_by()
        .values("id", "patient_id", "instrument", "total", "taken_at", day=DayNumber("taken_at"))
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
    picked = ", ".join(f"MAX(CASE WHEN k.bucket = {index} THEN k.total END)" for index in range(len(FOLLOW_UP_WINDOWS)))
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
    """Recompute the dashboard rows (OutcomeSummary) of these patients on every instrument."""
    by_id = {patient.pk: patient for patient in patients}
    ids = sorted(by_id)
    rows = _summary_rows(ids)
    OutcomeSummary.objects.filter(patient_id__in=ids).delete()
    OutcomeSummary.objects.bulk_create(
        [
            OutcomeSummary(
                patient_id=patient_id,
                organisation_id=by_id[patient_id].organisation_id,
                instrument=instrument,
                first_plan_id=plan_id,
                baseline_total=baseline,
                week4_total=week4,
                week8_total=week8,
            )
            for patient_id, instrument, plan_id, baseline, week4, week8 in rows
        ]
    )


def refresh_on_outcome_inputs_changed(sender, *, patients: Iterable[Patient], **kwargs) -> None:
    """Receiver of measures.hooks.outcome_inputs_changed (a response or a plan status changed)."""
    refresh_outcome_summaries(patients)
