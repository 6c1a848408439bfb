"""A patient's trajectory: outcomes, the SVG chart, the embedded chart, the portal view, access and audit."""

import re

import pytest

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.measures.models import MeasurementSettings
from ketacare.reports.tests.outcome_factories import days, make_plan, make_template, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(patient, staff):
    """PHQ-9 20 before the plan, 12 at day 14 (no response), 8 at day 28 amended to 9 (response), 15 at day 42."""
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 22, days(-20))
    score(patient, 20, days(-2))
    score(patient, 12, days(14))
    wrong = score(patient, 8, days(28))
    score(patient, 9, days(29), amends=wrong)
    score(patient, 15, days(42))
    return patient


def trend_url(patient, instrument="phq9"):
    return f"/measures/patients/{patient.pk}/trend/{instrument}/"


def test_trend_shows_baseline_change_response_and_loss_of_response(course, staff, signed_in):
    response = signed_in(staff["nurse"]).get(trend_url(course))
    assert response.status_code == 200
    trend = response.context["trend"]
    assert [(row.total, row.is_baseline) for row in trend.rows] == [
        (22, False),
        (20, True),
        (12, False),
        (9, False),
        (15, False),
    ]
    # The amendment (9) replaced the response it corrects (8) and sits at that response's date.
    assert trend.rows[3].on == days(28)
    assert (trend.rows[3].change, trend.rows[3].response, trend.rows[3].remission) == (-11, True, False)
    latest = trend.course.latest.outcome
    assert (latest.change, latest.response, latest.loss_of_response) == (-5, False, True)
    assert latest.percent_change == pytest.approx(-25.0)
    summary = response.content.decode()
    assert "Loss of response" in summary and "(-25%)" in summary


def test_trend_chart_is_an_accessible_svg_with_bands_sessions_and_baseline(course, staff, signed_in):
    html = signed_in(staff["nurse"]).get(trend_url(course)).content.decode()
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert 'role="img"' in svg and "<title id=" in svg and "<desc id=" in svg
    assert svg.count('class="band"') == 5  # PHQ-9: minimal, mild, moderate, moderately severe, severe
    assert svg.count('class="session"') == 3  # the plan's three planned sessions
    assert svg.count('class="baseline"') == 1
    assert svg.count('class="point"') == 4
    assert "<polyline" in svg
    # The data-table fallback lists the same scores.
    table = html[html.index('id="trend-data-phq9"') :]
    assert all(f"<td>{total}</td>" in table for total in (22, 20, 12, 9, 15))
    assert "<td>8</td>" not in table


def test_trend_view_is_audited_as_a_view_of_the_patient(course, staff, signed_in):
    signed_in(staff["therapist"]).get(trend_url(course))
    entry = AuditEntry.objects.filter(action=AuditAction.VIEW, patient=course).latest("sequence")
    assert entry.actor == staff["therapist"]
    assert entry.detail == {"trend": "phq9"}


def test_madrs_remission_uses_the_clinic_threshold(patient, staff, org, signed_in):
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 30, days(0), "madrs")
    score(patient, 12, days(28), "madrs")
    client = signed_in(staff["prescriber"])
    assert client.get(trend_url(patient, "madrs")).context["trend"].course.latest.outcome.remission is False
    MeasurementSettings.objects.create(organisation=org, madrs_remission_max=12)
    trend = client.get(trend_url(patient, "madrs")).context["trend"]
    assert trend.remission_max_total == 12
    assert trend.course.latest.outcome.remission is True


def test_without_a_started_plan_the_chart_shows_scores_and_says_why_there_are_no_outcomes(patient, staff, signed_in):
    make_plan(patient, staff["prescriber"], make_template(), status="proposed")
    score(patient, 14, days(1))
    response = signed_in(staff["nurse"]).get(trend_url(patient))
    assert response.context["trend"].course is None
    assert "No treatment plan has started" in response.content.decode()
    assert response.content.decode().count('class="point"') == 1


def test_another_organisations_patient_and_unknown_instruments_are_404(other_org_patient, patient, staff, signed_in):
    client = signed_in(staff["nurse"])
    assert client.get(trend_url(other_org_patient)).status_code == 404
    assert client.get(trend_url(patient, "nope")).status_code == 404
    assert client.get(f"/measures/patients/{2**63}/trend/phq9/").status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW, patient=other_org_patient).exists()


def test_a_patient_cannot_open_the_staff_trend(course, signed_in):
    assert signed_in(course.user).get(trend_url(course)).status_code == 403


def test_the_measures_page_embeds_one_chart_per_instrument_with_scores(course, staff, signed_in):
    score(course, 5, days(3), "gad7")
    html = signed_in(staff["nurse"]).get(f"/measures/patients/{course.pk}/").content.decode()
    assert 'id="trend-phq9"' in html and 'id="trend-gad7"' in html
    assert 'id="trend-madrs"' not in html


def test_the_portal_shows_the_patients_own_patient_rated_scores(course, second_patient, signed_in):
    score(second_patient, 27, days(28))
    client = signed_in(course.user)
    response = client.get("/measures/portal/trend/phq9/")
    assert response.status_code == 200
    assert [row.total for row in response.context["trend"].rows] == [22, 20, 12, 9, 15]
    assert "Your PHQ-9 scores" in response.content.decode()
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, patient=course, actor=course.user).exists()
    # Clinician ratings are not shown in the portal.
    score(course, 30, days(0), "madrs")
    assert client.get("/measures/portal/trend/madrs/").status_code == 404
    assert re.search(r'href="/measures/portal/trend/phq9/"', client.get("/measures/portal/").content.decode())


def test_staff_cannot_open_the_portal_trend(staff, signed_in):
    assert signed_in(staff["nurse"]).get("/measures/portal/trend/phq9/").status_code == 403
