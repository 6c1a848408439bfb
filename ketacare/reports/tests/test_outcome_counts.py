"""The dashboard reads pre-aggregated counts (reports.models.OutcomeCount) kept by the actions, so
its cost does not grow with patients; the counts must stay exactly what a recount from the
per-patient rows gives, through new and amended responses, plan status changes, a move of home
location and a merge of two records."""

import threading
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.db import close_old_connections, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from ketacare.clinics.models import Location
from ketacare.measures import actions as measures_actions
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.models import MeasurementSettings, OutcomeSummary
from ketacare.measures.selectors import remission_max
from ketacare.patients import actions as patient_actions
from ketacare.protocols import actions as protocol_actions
from ketacare.reports.models import CountedOutcome, OutcomeCount
from ketacare.reports.selectors.outcomes import clinic_outcomes
from ketacare.reports.tests.outcome_factories import days, make_plan, make_template, score

pytestmark = pytest.mark.django_db

PHQ9_TOTAL_9 = dict(enumerate([1] * 9, 1))
PHQ9_TOTAL_18 = dict(enumerate([2] * 9, 1))


def shown(dashboard) -> dict:
    """What the page shows: per row label, patients with a baseline and per window (evaluable, responders, remitters)."""
    rows = [*dashboard.by_protocol, *dashboard.by_location, dashboard.overall]
    return {
        row.label: [row.with_baseline, *((w.evaluable, w.responders, w.remitters) for w in row.windows)] for row in rows
    }


def recounted(org, instrument_code: str) -> dict:
    """The same figures counted from scratch from the per-patient rows, with each patient's current
    home location and the protocol of their first plan (what the dashboard counted per request before)."""
    instrument = INSTRUMENTS[instrument_code]
    threshold = remission_max(instrument, MeasurementSettings.for_organisation(org))
    percent = instrument.response.reduction_percent
    summaries = OutcomeSummary.objects.filter(
        organisation=org, instrument=instrument_code, baseline_total__isnull=False
    )
    labels = summaries.values_list(
        "first_plan__template__code", "patient__home_location__name", "baseline_total", "week4_total", "week8_total"
    )
    figures: dict = defaultdict(lambda: [0, [0, 0, 0], [0, 0, 0]])
    for code, location, baseline, *follow_ups in labels:
        for label in (code, location or "No home location", "All patients"):
            figures[label][0] += 1
            for window, total in enumerate(follow_ups, 1):
                if total is None:
                    continue
                figures[label][window][0] += 1
                figures[label][window][1] += baseline > 0 and 100 * (baseline - total) >= percent * baseline
                figures[label][window][2] += threshold is not None and total <= threshold
    figures.setdefault("All patients", [0, [0, 0, 0], [0, 0, 0]])
    return {
        label: [with_baseline, *((n, r, m if threshold is not None else None) for n, r, m in windows)]
        for label, (with_baseline, *windows) in figures.items()
    }


def assert_exact(org, user) -> None:
    for instrument in ("phq9", "gad7", "madrs"):
        assert shown(clinic_outcomes(user, instrument)) == recounted(org, instrument), instrument


def test_counts_stay_exact_through_responses_plan_changes_moves_and_merges(
    org, staff, make_patient, iv_candidate, iv_template
):
    prescriber, admin = staff["prescriber"], staff["clinic_admin"]
    portland = Location.objects.get(organisation=org, name__endswith="Portland")
    boston = Location.objects.get(organisation=org, name__endswith="Boston")
    ketamine, spravato = make_template("iv-ketamine"), make_template("spravato")

    moving = make_patient(org, 31, home_location=portland)
    make_plan(moving, prescriber, ketamine)
    score(moving, 20, days(-1))
    score(moving, 9, days(27))
    score(moving, 3, days(55))
    other = make_patient(org, 32, home_location=boston)
    make_plan(other, prescriber, spravato)
    score(other, 30, days(0), "madrs")
    score(other, 11, days(28), "madrs")
    score(other, 12, days(2), "gad7")  # no baseline on GAD-7: not counted
    assert_exact(org, prescriber)

    # A plan started through the action, then responses entered and amended through the actions.
    plan = protocol_actions.do_create_plan_from_template(
        prescriber, iv_candidate.pk, template_id=iv_template.pk, start_date=iv_candidate.today()
    )
    first = measures_actions.do_enter_response(prescriber, iv_candidate, "phq9", PHQ9_TOTAL_18)
    assert_exact(org, prescriber)
    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="active", reason="Start")
    assert shown(clinic_outcomes(prescriber))["All patients"][0] == 2
    measures_actions.do_amend_response(prescriber, first, PHQ9_TOTAL_9, "Item scores misread")
    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="stopped", reason="Wrong patient")
    assert_exact(org, prescriber)

    # The patient moves: their counts follow them to Boston.
    assert boston.name not in shown(clinic_outcomes(prescriber))
    patient_actions.do_update_patient(admin, moving.pk, home_location=boston)
    assert shown(clinic_outcomes(prescriber))[boston.name][0] == 1
    assert_exact(org, prescriber)

    # The clinic's MADRS threshold changes: remitters follow without a recount.
    MeasurementSettings.objects.create(organisation=org, madrs_remission_max=12)
    assert shown(clinic_outcomes(prescriber, "madrs"))["All patients"][1] == (1, 1, 1)
    assert_exact(org, prescriber)

    # A duplicate record with PHQ-9 scores is merged into a record whose plan started ten days
    # earlier: no score on or before that start, so the survivor has no baseline and is not counted.
    duplicate = make_patient(org, 33, home_location=portland)
    make_plan(duplicate, prescriber, ketamine)
    score(duplicate, 18, days(-1))
    score(duplicate, 8, days(28))
    survivor = make_patient(org, 34, home_location=boston)
    make_plan(survivor, prescriber, spravato, start=days(-10))
    assert shown(clinic_outcomes(prescriber))["All patients"][0] == 3
    patient_actions.do_merge_patients(admin, survivor_id=survivor.pk, duplicate_id=duplicate.pk, reason="Same person")
    assert shown(clinic_outcomes(prescriber))["All patients"][0] == 2
    assert_exact(org, prescriber)
    patient_actions.do_unmerge_patients(admin, duplicate_id=duplicate.pk, reason="Not the same person")
    assert shown(clinic_outcomes(prescriber))["All patients"][0] == 3
    assert_exact(org, prescriber)

    # And a recount from scratch changes nothing.
    before = {code: shown(clinic_outcomes(prescriber, code)) for code in ("phq9", "gad7", "madrs")}
    call_command("rebuild_outcomes")
    assert {code: shown(clinic_outcomes(prescriber, code)) for code in ("phq9", "gad7", "madrs")} == before


def test_rebuild_recounts_counts_lost_around_the_actions(org, staff, make_patient):
    patient = make_patient(org, 41)
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 20, days(-1))
    score(patient, 8, days(28))
    expected = shown(clinic_outcomes(staff["prescriber"]))
    OutcomeCount.objects.all().delete()  # as after a restore that left the counts behind
    CountedOutcome.objects.update(location_id=12345)

    call_command("rebuild_outcomes")

    assert shown(clinic_outcomes(staff["prescriber"])) == expected == recounted(org, "phq9")


def test_the_dashboard_reads_the_counts_not_every_patients_row(org, staff, make_patient):
    patient = make_patient(org, 51)
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 20, days(-1))
    with CaptureQueriesContext(connection) as queries:
        clinic_outcomes(staff["prescriber"])
    statements = " ".join(query["sql"] for query in queries.captured_queries)
    assert OutcomeCount._meta.db_table in statements
    assert OutcomeSummary._meta.db_table not in statements


THREADS = 8


@pytest.mark.django_db(transaction=True)
def test_parallel_refreshes_of_one_group_lose_no_count(org, staff, make_patient):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers on separate connections: PostgreSQL only (SQLite serialises them)")
    template, location = make_template(), Location.objects.filter(organisation=org).first()
    patients = [make_patient(org, 60 + n, home_location=location) for n in range(THREADS)]
    for patient in patients:
        make_plan(patient, staff["prescriber"], template)
    barrier = threading.Barrier(THREADS)
    errors: list[str] = []

    def first_scores(patient):
        try:
            barrier.wait()
            with transaction.atomic():  # as an action: the scores and the refresh in one transaction
                score(patient, 20, days(-1))
                score(patient, 8, days(28))
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=first_scores, args=(patient,)) for patient in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    close_old_connections()

    assert errors == []
    assert shown(clinic_outcomes(staff["prescriber"]))["All patients"] == [THREADS, (THREADS, THREADS, 0), (0, 0, 0)]
    assert shown(clinic_outcomes(staff["prescriber"])) == recounted(org, "phq9")


def test_the_migration_counts_the_summaries_written_before_the_counts(org, staff, make_patient):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("ketacare.reports.migrations.0003_outcome_counts")
    templates = [make_template("iv-ketamine"), make_template("spravato")]
    for number, (baseline, follow_up) in enumerate([(20, 8), (0, 3), (15, 14)]):
        patient = make_patient(org, 70 + number)
        make_plan(patient, staff["prescriber"], templates[number % 2])
        score(patient, baseline, days(-1))
        score(patient, follow_up, days(28))
    expected = shown(clinic_outcomes(staff["prescriber"]))
    OutcomeCount.objects.all().delete()
    CountedOutcome.objects.all().delete()

    migration.count_existing_summaries(apps, None)

    assert shown(clinic_outcomes(staff["prescriber"])) == expected == recounted(org, "phq9")
