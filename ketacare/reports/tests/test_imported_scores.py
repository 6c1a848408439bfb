"""Totals imported from another system (measures.ExternalScore) in a patient's trend: shown and marked with
their source, never a baseline or a follow-up, never in the dashboard's counts (docs/measures.md)."""

import pytest

from ketacare.measures.models import ExternalScore, QuestionnaireResponse
from ketacare.reports.actions import refresh_outcome_summaries
from ketacare.reports.selectors.outcomes import clinic_outcomes, trends_for_chart
from ketacare.reports.selectors.progress_summary import access_progress_summary_by_patient_id, score_lines
from ketacare.reports.tests.outcome_factories import at, days, make_plan, make_template, score

pytestmark = pytest.mark.django_db


def imported(patient, recorded_by, total: int, on, instrument: str = "phq9") -> ExternalScore:
    external = ExternalScore.objects.create(
        patient=patient,
        organisation=patient.organisation,
        instrument=instrument,
        total=total,
        taken_at=at(on),
        source="old-ehr",
        recorded_by=recorded_by,
    )
    refresh_outcome_summaries([patient])  # what any change of the patient's scores would run
    return external


@pytest.fixture
def treated(patient, staff):
    """A started plan, an imported PHQ-9 of 24 the day before it, KetaCare's own 20 a week before, 9 at day 28."""
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 20, days(-7))
    imported(patient, staff["clinic_admin"], 24, days(-1))
    score(patient, 9, days(28))
    return patient


def test_an_imported_total_shows_in_the_trend_marked_and_is_not_the_baseline(treated, staff, signed_in):
    response = signed_in(staff["nurse"]).get(f"/measures/patients/{treated.pk}/trend/phq9/")

    trend = response.context["trend"]
    assert [(row.total, row.is_baseline, row.imported_from) for row in trend.rows] == [
        (20, True, ""),  # the imported 24 is later and on or before the first treatment, yet not the baseline
        (24, False, "old-ehr"),
        (9, False, ""),
    ]
    assert trend.rows[1].severity == "severe" and trend.rows[1].change is None
    assert (trend.rows[2].change, trend.rows[2].response) == (-11, True)  # against KetaCare's own 20
    html = response.content.decode()
    assert '<span class="badge">Imported</span> from old-ehr' in html
    svg = html[html.index("<svg") : html.index("</svg>")]
    assert svg.count('class="point imported"') == 1 and "imported from another system" in svg
    assert QuestionnaireResponse.objects.filter(patient=treated).count() == 2  # never a response


def test_imported_totals_do_not_change_the_dashboard_counts(treated, org, make_patient, staff):
    dashboard = clinic_outcomes(staff["prescriber"]).overall
    assert (dashboard.with_baseline, dashboard.windows[0].evaluable, dashboard.windows[0].responders) == (1, 1, 1)

    # An imported pre-treatment total for a patient with no KetaCare baseline, and an imported 4-week total:
    # neither makes a baseline nor a follow-up.
    other = make_patient(org, 41, home_location=treated.home_location)
    make_plan(other, staff["prescriber"], make_template("spravato"))
    imported(other, staff["clinic_admin"], 22, days(-3))
    score(other, 8, days(28))
    imported(treated, staff["clinic_admin"], 2, days(27))

    after = clinic_outcomes(staff["prescriber"]).overall
    assert (after.with_baseline, after.windows[0].evaluable, after.windows[0].responders) == (1, 1, 1)
    assert after.windows[0].remitters == 0  # the imported 2 (remission) is not the 4-week score


def test_a_patient_with_only_imported_totals_has_a_trend_without_outcomes(patient, staff, signed_in):
    make_plan(patient, staff["prescriber"], make_template())
    imported(patient, staff["clinic_admin"], 12, days(-2), instrument="gad7")

    (trend,) = trends_for_chart(staff["nurse"], patient)
    assert trend.instrument.code == "gad7"
    assert [(row.total, row.imported_from) for row in trend.rows] == [(12, "old-ehr")]
    assert trend.course is None and trend.chart.baseline is None
    html = signed_in(staff["nurse"]).get(f"/measures/patients/{patient.pk}/").content.decode()
    assert 'id="trend-data-gad7"' in html and "from old-ehr" in html


def test_the_portal_trend_shows_the_patients_imported_totals_marked(treated, signed_in):
    response = signed_in(treated.user).get("/measures/portal/trend/phq9/")
    assert response.status_code == 200
    assert [row.imported_from for row in response.context["trend"].rows] == ["", "old-ehr", ""]
    assert "from old-ehr" in response.content.decode()


def test_the_progress_summary_quotes_an_imported_latest_total_as_imported(patient, staff):
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 20, days(-7))
    imported(patient, staff["clinic_admin"], 11, days(14))

    summary = access_progress_summary_by_patient_id(staff["prescriber"], patient.pk)

    (line,) = score_lines(summary)
    assert line.startswith(f"PHQ-9: latest 11 (Moderate) on {days(14)} (imported from old-ehr); baseline 20")
