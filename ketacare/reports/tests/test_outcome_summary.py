"""The dashboard's per-patient rows (OutcomeSummary) are kept current by the actions that change
scores and plans: a stale row would silently misreport the clinic's response rates."""

import pytest

from ketacare.measures import actions as measures_actions
from ketacare.measures.models import OutcomeSummary
from ketacare.protocols import actions as protocol_actions
from ketacare.reports.selectors.outcomes import clinic_outcomes

pytestmark = pytest.mark.django_db

PHQ9_TOTAL_9 = dict(enumerate([1] * 9, 1))  # item 9 above 0 also raises an alert; irrelevant here
PHQ9_TOTAL_18 = dict(enumerate([2] * 9, 1))


def summary(patient):
    return (
        OutcomeSummary.objects.filter(patient=patient, instrument="phq9")
        .values_list("baseline_total", "week4_total", "week8_total")
        .first()
    )


@pytest.fixture
def plan(staff, iv_candidate, iv_template):
    return protocol_actions.do_create_plan_from_template(
        staff["prescriber"], iv_candidate.pk, template_id=iv_template.pk, start_date=iv_candidate.today()
    )


def test_a_score_counts_once_the_plan_has_started_and_follows_amendments(staff, iv_candidate, plan):
    prescriber = staff["prescriber"]
    first = measures_actions.do_enter_response(prescriber, iv_candidate, "phq9", PHQ9_TOTAL_18)
    assert summary(iv_candidate) is None  # a proposed plan is not a treatment

    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="active", reason="Start")
    assert summary(iv_candidate) == (18, None, None)
    assert clinic_outcomes(prescriber).overall.with_baseline == 1

    measures_actions.do_amend_response(prescriber, first, PHQ9_TOTAL_9, "Item scores misread")
    assert summary(iv_candidate) == (9, None, None)

    measures_actions.do_enter_response(prescriber, iv_candidate, "phq9", PHQ9_TOTAL_18)
    assert summary(iv_candidate) == (18, None, None)  # the last score on the day of the first treatment


def test_a_stopped_plan_still_counts_as_a_treatment_begun(staff, iv_candidate, plan):
    prescriber = staff["prescriber"]
    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="active", reason="Start")
    measures_actions.do_enter_response(prescriber, iv_candidate, "phq9", PHQ9_TOTAL_18)
    assert summary(iv_candidate) == (18, None, None)

    # A mistaken plan can only be stopped, which still counts as a treatment begun.
    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="stopped", reason="Wrong patient")
    assert summary(iv_candidate) == (18, None, None)


def test_instruments_without_outcome_rules_do_not_write_rows(staff, iv_candidate, plan):
    prescriber = staff["prescriber"]
    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="active", reason="Start")
    measures_actions.do_enter_response(prescriber, iv_candidate, "moaas", {1: 5})
    assert not OutcomeSummary.objects.exists()


def test_rebuild_outcomes_recomputes_rows_written_around_the_actions(staff, iv_candidate, plan):
    from django.core.management import call_command

    prescriber = staff["prescriber"]
    protocol_actions.do_change_plan_status(prescriber, plan.pk, status="active", reason="Start")
    measures_actions.do_enter_response(prescriber, iv_candidate, "phq9", PHQ9_TOTAL_18)
    OutcomeSummary.objects.all().delete()  # as after a restore of responses without the rows

    call_command("rebuild_outcomes")

    assert summary(iv_candidate) == (18, None, None)
