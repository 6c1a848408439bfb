"""The protocol's self-report questionnaires follow the booked sessions and close with the plan (issue 14.7).

Booking, moving and cancelling sessions are scheduling's (scheduling/tests/test_course_questionnaires.py);
here: which questionnaires a session asks for, that starting a plan assigns none by itself, and that
stopping or completing it closes what is still pending.
"""

import datetime as dt
import zoneinfo

import pytest

from ketacare.measures.models import QuestionnaireAssignment
from ketacare.protocols import actions
from ketacare.protocols.domain.course import QuestionnaireDue, session_questionnaires

PATIENT_RATED = frozenset({"phq9", "gad7"})
PORTLAND = zoneinfo.ZoneInfo("America/Los_Angeles")
DUE = [
    {"instrument": "phq9", "timing": "before each session"},
    {"instrument": "cadss", "timing": "after dosing"},
    {"instrument": "madrs", "timing": "before each session"},  # clinician-rated: rated in the visit
]


def test_a_session_asks_for_each_patient_rated_instrument_and_the_first_is_the_baseline():
    assert session_questionnaires(DUE, 1, PATIENT_RATED) == [QuestionnaireDue("phq9", "baseline")]
    assert session_questionnaires(DUE, 4, PATIENT_RATED) == [QuestionnaireDue("phq9", "before_session")]


def test_questionnaires_fall_due_at_eight_on_the_booked_day_or_at_an_earlier_start():
    late = dt.datetime(2026, 12, 14, 10, 30, tzinfo=PORTLAND)
    early = dt.datetime(2026, 12, 14, 7, 15, tzinfo=PORTLAND)
    assert actions.questionnaire_due_at(late, PORTLAND) == dt.datetime(2026, 12, 14, 8, 0, tzinfo=PORTLAND)
    assert actions.questionnaire_due_at(early, PORTLAND) == early


@pytest.fixture
def active_plan(staff, iv_candidate, iv_template):
    plan = actions.do_create_plan_from_template(
        staff["prescriber"], iv_candidate.pk, template_id=iv_template.pk, start_date=iv_candidate.today()
    )
    return actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Start")


def _book_first_two_sessions(staff, plan):
    for planned in plan.sessions.order_by("sequence")[:2]:
        starts_at = dt.datetime.combine(planned.window_end, dt.time(10), tzinfo=PORTLAND)
        actions.assign_session_questionnaires(
            staff["front_desk"],
            planned,
            session_key=f"test.session:{planned.sequence}",
            starts_at=starts_at,
            zone=PORTLAND,
        )


def test_starting_a_plan_assigns_nothing_until_its_sessions_are_booked(active_plan):
    assert not QuestionnaireAssignment.objects.exists()


@pytest.mark.parametrize("ending", ["stopped", "completed"])
def test_stopping_or_completing_a_plan_closes_its_pending_questionnaires(staff, active_plan, ending, audit_entries):
    _book_first_two_sessions(staff, active_plan)
    manual = QuestionnaireAssignment.objects.create(
        patient=active_plan.patient,
        instrument="phq9",
        due_at=dt.datetime(2026, 12, 20, 8, tzinfo=PORTLAND),
        assigned_by=staff["nurse"],
    )
    assert QuestionnaireAssignment.objects.filter(status="pending").count() == 5  # phq9 + gad7, twice, + manual

    actions.do_change_plan_status(staff["prescriber"], active_plan.pk, status=ending, reason="Moved away")

    statuses = dict(QuestionnaireAssignment.objects.values_list("pk", "status"))
    assert statuses.pop(manual.pk) == "pending"  # not the plan's: left alone
    assert set(statuses.values()) == {"cancelled"}
    closed = [e for e in audit_entries(patient=active_plan.patient) if e.detail.get("plan", "").startswith("protocols")]
    assert len(closed) == 4 and f"Plan {ending}: Moved away" in closed[0].detail["reason"]
