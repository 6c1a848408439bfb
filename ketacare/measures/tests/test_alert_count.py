"""The navigation's open-alert count: exact after every alert transition, the organisation's own, and its SQL
compiled once per connection (issue 19), so each page pays for the database's answer only."""

import datetime as dt
from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler

from ketacare.measures import actions
from ketacare.measures.models import Alert, AlertStatus
from ketacare.measures.selectors import open_alert_count
from ketacare.measures.tests.conftest import PHQ9_ITEM9, as_answers
from ketacare.patients import actions as patient_actions

pytestmark = pytest.mark.django_db

CSSRS_HIGH_RISK = [1, 1, 0, 1, 0, 0, None]


def open_alerts_of(organisation) -> int:
    return Alert.objects.filter(patient__organisation=organisation, status=AlertStatus.OPEN).count()


def test_the_count_follows_every_transition_and_only_the_organisations_alerts(
    assign, staff, org, patient, make_patient, other_staff, other_org_patient
):
    nurse = staff["nurse"]
    second_patient = make_patient(org, 4)  # no portal account, so it may be merged into `patient`

    def assert_count(expected: int) -> None:
        assert open_alert_count(nurse) == open_alerts_of(org) == expected

    assert_count(0)
    actions.do_submit_response(
        patient.user, assign(patient).assignment, channel="portal", answers=as_answers(PHQ9_ITEM9)
    )
    assert_count(1)
    actions.do_enter_response(nurse, second_patient, "cssrs_screener", as_answers(CSSRS_HIGH_RISK))
    assert_count(2)
    actions.do_enter_response(other_staff["nurse"], other_org_patient, "cssrs_screener", as_answers(CSSRS_HIGH_RISK))
    assert_count(2)
    assert open_alert_count(other_staff["nurse"]) == 1

    first = Alert.objects.filter(patient=patient).get()
    assert actions.escalate_overdue_alerts(now=first.raised_at + dt.timedelta(days=1)) == 3
    assert_count(2)  # escalated alerts are still open

    admin = staff["clinic_admin"]
    patient_actions.do_merge_patients(admin, survivor_id=patient.pk, duplicate_id=second_patient.pk, reason="Same")
    assert_count(2)  # the duplicate's alert moved to the survivor, in the same organisation
    patient_actions.do_unmerge_patients(admin, duplicate_id=second_patient.pk, reason="Not the same person")
    assert_count(2)

    actions.do_acknowledge_alert(nurse, first, "Called, safe, plan reviewed")
    assert_count(1)
    actions.do_acknowledge_alert(staff["prescriber"], Alert.objects.get(patient=second_patient), "Seen today")
    assert_count(0)
    assert open_alert_count(other_staff["nurse"]) == 1


def test_the_count_runs_sql_compiled_once_per_connection(staff, patient):
    actions.do_enter_response(staff["nurse"], patient, "cssrs_screener", as_answers(CSSRS_HIGH_RISK))
    assert open_alert_count(staff["nurse"]) == 1
    with mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("compiled a query again")):
        assert open_alert_count(staff["nurse"]) == 1
        assert open_alert_count(staff["prescriber"]) == 1
