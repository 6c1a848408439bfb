"""Starting a plan assigns the protocol's self-report questionnaires before each planned session."""

import datetime as dt
import zoneinfo

from ketacare.measures.models import QuestionnaireAssignment
from ketacare.protocols import actions
from ketacare.protocols.domain.course import questionnaire_schedule

PATIENT_RATED = frozenset({"phq9", "gad7"})


def test_the_schedule_has_one_questionnaire_per_session_and_the_first_is_the_baseline():
    windows = [(dt.date(2026, 12, 1), dt.date(2026, 12, 1)), (dt.date(2026, 12, 3), dt.date(2026, 12, 4))]
    due = questionnaire_schedule(
        [
            {"instrument": "phq9", "timing": "before each session"},
            {"instrument": "cadss", "timing": "after dosing"},
            {"instrument": "madrs", "timing": "before each session"},
        ],  # clinician-rated: rated in the visit
        windows,
        PATIENT_RATED,
    )
    assert [(d.instrument, d.due_on, d.reason) for d in due] == [
        ("phq9", dt.date(2026, 12, 1), "baseline"),
        ("phq9", dt.date(2026, 12, 3), "before_session"),
    ]


def test_activating_a_plan_assigns_phq9_and_gad7_before_each_of_the_six_iv_sessions(
    staff, weighed_patient, iv_template
):
    weighed_patient.home_location = weighed_patient.organisation.locations.get(time_zone="America/Los_Angeles")
    weighed_patient.save(update_fields=["home_location"])
    plan = actions.do_create_plan_from_template(
        staff["prescriber"], weighed_patient.pk, template_id=iv_template.pk, start_date=dt.date(2026, 12, 1)
    )
    assert not QuestionnaireAssignment.objects.exists()  # a proposal assigns nothing

    actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Start")

    assignments = list(QuestionnaireAssignment.objects.filter(patient=weighed_patient).order_by("due_at", "instrument"))
    assert len(assignments) == 12
    assert {a.instrument for a in assignments} == {"phq9", "gad7"}
    assert [a.reason for a in assignments[:2]] == ["baseline", "baseline"]
    first_window = plan.sessions.order_by("sequence").first().window_start
    local_due = assignments[0].due_at.astimezone(zoneinfo.ZoneInfo("America/Los_Angeles"))
    assert (local_due.date(), local_due.hour) == (first_window, 8)
