"""The outcome dashboard's per-patient rows (measures' OutcomeSummary), recomputed whenever what
they are computed from changes.

Measures and protocols stand below reports, so their actions do not call this: they send
measures.hooks.outcome_inputs_changed inside their transaction, and the receiver below (connected
in ReportsConfig.ready) recomputes the rows there and then, so the rows are never stale. Data
loaded around the actions is caught up by `ketacare rebuild_outcomes`.

The same refresh keeps the dashboard's pre-aggregated counts (models.OutcomeCount) exact: it takes
out what the patient's previous rows added (CountedOutcome) and adds what the new ones add. The
counts also follow a patient's home location and merges, through Patient's pre/post_save signals.

Rules (docs/measures.md, "Outcomes in the clinic"): per patient and instrument with a response
rule, the baseline (last score on or before the first treatment) and, in each follow-up window
(domain/dashboard.py), the score closest to the target day, all in the database.
"""

from collections import Counter
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Exists, F, Func, IntegerField, OuterRef, Q, QuerySet

from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.models import OutcomeSummary, QuestionnaireResponse
from ketacare.measures.selectors import effective_responses
from ketacare.patients.models import Patient
from ketacare.protocols.models import TreatmentPlan
from ketacare.reports.domain.dashboard import FOLLOW_UP_WINDOWS
from ketacare.reports.models import CountedOutcome, OutcomeCount
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


def _counted(
    patient_id: int, organisation_id: int, location_id: int | None, codes: dict[int, str], row
) -> CountedOutcome:
    _, instrument, plan_id, baseline, week4, week8 = row
    return CountedOutcome(
        patient_id=patient_id,
        instrument=instrument,
        organisation_id=organisation_id,
        protocol_code=codes[plan_id],
        location_id=location_id or 0,
        baseline_total=baseline,
        week4_total=week4,
        week8_total=week8,
    )


def _count_keys(counted: CountedOutcome) -> list[tuple]:
    """The OutcomeCount rows one patient's summary adds 1 to (models.OutcomeCount explains the key)."""
    group = (counted.organisation_id, counted.instrument, counted.protocol_code, counted.location_id)
    keys = [(*group, 0, 0, False)]
    rule = INSTRUMENTS[counted.instrument].response
    baseline = counted.baseline_total
    for window, total in enumerate((counted.week4_total, counted.week8_total), 1):
        if total is not None:
            # The same rule as measures/domain/outcomes.py: integer arithmetic; no response from a baseline of 0.
            responder = baseline > 0 and 100 * (baseline - total) >= rule.reduction_percent * baseline
            keys.append((*group, window, total, responder))
    return keys


def _add_counts(deltas: Counter) -> None:
    """Add the deltas to OutcomeCount in one statement. Each row is changed by an increment the
    database applies under the row's lock (ON CONFLICT ... DO UPDATE), in key order, so concurrent
    refreshes of patients in the same group neither lose a count nor deadlock."""
    changes = sorted((key, delta) for key, delta in deltas.items() if delta)
    if not changes:
        return
    table = connection.ops.quote_name(OutcomeCount._meta.db_table)
    key_columns = (
        "organisation_id, instrument, protocol_code, location_id, follow_up_window, follow_up_total, responder"
    )
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s)"] * len(changes))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({key_columns}, patients) VALUES {values} "
            f"ON CONFLICT ({key_columns}) DO UPDATE SET patients = {table}.patients + EXCLUDED.patients",
            [value for key, delta in changes for value in (*key, delta)],
        )


@transaction.atomic(savepoint=False)  # inside the caller's transaction: no savepoint round trips
def refresh_outcome_summaries(patients: Iterable[Patient]) -> None:
    """Recompute the dashboard rows (OutcomeSummary) of these patients on every instrument, and move
    their contributions to the dashboard's counts (OutcomeCount) from what was counted to what is now."""
    ids = sorted({patient.pk for patient in patients})
    # The patients' rows are held until commit, so two refreshes of one patient never both take out
    # the same contribution; their home location is read under that lock.
    homes = {
        patient_id: (organisation_id, location_id)
        for patient_id, organisation_id, location_id in Patient.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", "organisation_id", "home_location_id")
    }
    rows = _summary_rows(ids)
    plan_ids = {row[2] for row in rows}
    codes = dict(TreatmentPlan.objects.filter(pk__in=plan_ids).values_list("pk", "template__code")) if rows else {}
    summaries = [
        OutcomeSummary(
            patient_id=patient_id,
            organisation_id=homes[patient_id][0],
            instrument=instrument,
            first_plan_id=plan_id,
            baseline_total=baseline,
            week4_total=week4,
            week8_total=week8,
        )
        for patient_id, instrument, plan_id, baseline, week4, week8 in rows
    ]
    # Rows are updated in place (a patient merge moves them by id and its undoing moves the same ids back).
    stored = {
        (patient_id, instrument): pk
        for pk, patient_id, instrument in OutcomeSummary.objects.filter(patient_id__in=ids).values_list(
            "pk", "patient_id", "instrument"
        )
    }
    for summary in summaries:
        summary.pk = stored.pop((summary.patient_id, summary.instrument), None)
    if stored:
        OutcomeSummary.objects.filter(pk__in=stored.values()).delete()
    if kept := [summary for summary in summaries if summary.pk is not None]:
        OutcomeSummary.objects.bulk_update(
            kept, ["organisation_id", "first_plan_id", "baseline_total", "week4_total", "week8_total"]
        )
    OutcomeSummary.objects.bulk_create([summary for summary in summaries if summary.pk is None])
    counted_before = CountedOutcome.objects.filter(patient_id__in=ids)
    deltas: Counter = Counter()
    for counted in counted_before:
        deltas.subtract(_count_keys(counted))
    counted_now = [_counted(row[0], *homes[row[0]], codes, row) for row in rows if row[3] is not None]
    for counted in counted_now:
        deltas.update(_count_keys(counted))
    counted_before.delete()
    CountedOutcome.objects.bulk_create(counted_now)
    _add_counts(deltas)


def reset_outcome_counts() -> None:
    """Forget every count (`ketacare rebuild_outcomes` then recounts every patient in the same transaction)."""
    CountedOutcome.objects.all().delete()
    OutcomeCount.objects.all().delete()


def refresh_on_outcome_inputs_changed(sender, *, patients: Iterable[Patient], **kwargs) -> None:
    """Receiver of measures.hooks.outcome_inputs_changed (a response or a plan status changed)."""
    refresh_outcome_summaries(patients)


# The Patient fields the counts depend on: the home location groups them; a merge (or its undoing)
# moves responses and plans between the two records.
_COUNTED_PATIENT_FIELDS = {"home_location", "home_location_id", "merged_into", "merged_into_id"}


def _touches_counts(instance: Patient, update_fields) -> bool:
    return not instance._state.adding and (update_fields is None or bool(_COUNTED_PATIENT_FIELDS & set(update_fields)))


def remember_counted_patient_fields(sender, *, instance: Patient, update_fields=None, raw=False, **kwargs) -> None:
    """pre_save of Patient: the stored home location and merge target, to compare after the save."""
    if raw or not _touches_counts(instance, update_fields):
        return
    instance._outcome_fields_before = (
        Patient.objects.filter(pk=instance.pk).values_list("home_location_id", "merged_into_id").first()
    )


def recount_on_patient_saved(sender, *, instance: Patient, update_fields=None, raw=False, **kwargs) -> None:
    """post_save of Patient (inside the saving action's transaction): a new home location moves the
    patient's counts to that location; a merge or its undoing recomputes both records' summaries."""
    before = getattr(instance, "_outcome_fields_before", None)
    instance._outcome_fields_before = None
    if raw or before is None:
        return
    location_before, merged_into_before = before
    affected = set()
    if location_before != instance.home_location_id:
        affected.add(instance.pk)
    if merged_into_before != instance.merged_into_id:
        affected |= {instance.pk, merged_into_before, instance.merged_into_id} - {None}
    if affected:
        refresh_outcome_summaries(Patient.objects.filter(pk__in=affected).only("pk"))
