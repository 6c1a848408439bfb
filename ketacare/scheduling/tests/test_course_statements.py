"""Booking a course costs a number of statements that does not grow with its sessions (one INSERT for
every appointment, one audit append for them, one batch of questionnaires), and stays all or
nothing, refused by the database when a clash slipped past the checks."""

import datetime as dt
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.audit.chains import verify_audit
from ketacare.audit.models import AuditEntry
from ketacare.measures.models import QuestionnaireAssignment
from ketacare.scheduling.actions import courses
from ketacare.scheduling.models import Appointment, Course
from ketacare.scheduling.selectors.booking import SlotConflict
from ketacare.scheduling.tests.test_courses import book, build_clinic


@pytest.fixture
def clinic(org, staff, patient, make_treatment_plan):
    return build_clinic(org, staff, patient, make_treatment_plan)


def _statements(queries, fragment: str) -> int:
    return sum(fragment in query["sql"] for query in queries)


def test_a_course_is_booked_in_a_bounded_number_of_statements(clinic, staff):
    with CaptureQueriesContext(connection) as queries:
        course = book(staff["front_desk"], clinic)
    sessions = course.appointments.count()
    assert sessions == 6
    assert _statements(queries, 'INSERT INTO "scheduling_appointment"') == 1
    assert _statements(queries, 'INSERT INTO "measures_questionnaireassignment"') == 1
    # One append for the course and its sessions, one for their questionnaires.
    assert _statements(queries, 'INSERT INTO "audit_auditentry"') == 2
    # Three savepoints and their releases (the action's own inside the test's transaction, the insert's,
    # the questionnaires'), not one per session.
    assert _statements(queries, "SAVEPOINT") == 6
    assert len(queries) <= 40, [query["sql"][:80] for query in queries]

    course_entry = AuditEntry.objects.get(object_type="scheduling.course", object_id=str(course.pk))
    following = AuditEntry.objects.filter(organisation=course_entry.organisation, sequence__gt=course_entry.sequence)
    assert (
        list(following.order_by("sequence").values_list("object_type", flat=True)[:sessions])
        == ["scheduling.appointment"] * sessions
    )
    session_keys = set(
        QuestionnaireAssignment.objects.filter(patient=clinic["patient"]).values_list("session_key", flat=True)
    )
    assert {f"scheduling.appointment:{pk}" for pk in course.appointments.values_list("pk", flat=True)} <= session_keys
    assert all(report.ok for _, report in verify_audit())


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite has no exclusion constraints (its write lock serialises)"
)
def test_a_clash_the_checks_missed_is_refused_by_the_database_and_nothing_is_booked(clinic, staff, org, make_patient):
    """A chair taken after the course's snapshot was read (as a writer that did not lock the location
    would): the one INSERT of all sessions is refused by the exclusion constraint, the course is not
    booked at all, and neither are its audit entries or questionnaires."""
    other_patient = make_patient(org, 77)
    propose = courses.propose_course

    def propose_then_take_a_chair(*args, **kwargs):
        proposal = propose(*args, **kwargs)
        placement = proposal.attempt.placements[3]
        iv = clinic["iv"]
        ends_at = placement.starts_at + dt.timedelta(minutes=iv.patient_minutes)
        Appointment.objects.create(
            organisation=org,
            location=clinic["location"],
            patient=other_patient,
            appointment_type=iv,
            starts_at=placement.starts_at,
            ends_at=ends_at,
            chair_id=placement.chair_id,
            chair_free_at=ends_at + dt.timedelta(minutes=iv.turnover_minutes),
            created_by=staff["front_desk"],
        )
        return proposal

    entries_before = AuditEntry.objects.count()
    with mock.patch.object(courses, "propose_course", propose_then_take_a_chair):
        with pytest.raises(SlotConflict, match="The chair was booked by someone else"):
            book(staff["front_desk"], clinic)
    assert not Course.objects.exists()
    assert not Appointment.objects.filter(patient=clinic["patient"]).exists()
    assert not QuestionnaireAssignment.objects.filter(patient=clinic["patient"]).exclude(session_key="").exists()
    assert AuditEntry.objects.count() == entries_before
    assert all(report.ok for _, report in verify_audit())
