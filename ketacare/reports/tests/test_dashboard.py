"""The clinic outcome dashboard: the window rule, the counts per protocol and location, access,
audit, and a constant number of queries whatever the amount of data."""

import random

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.models import Location
from ketacare.measures.models import MeasurementSettings
from ketacare.reports.selectors.outcomes import clinic_outcomes
from ketacare.reports.tests.outcome_factories import days, make_plan, make_template, score

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic(org, other_org, staff, other_staff, make_patient):
    """Patients whose expected counts are worked out by hand in each test."""
    ketamine, spravato = make_template("iv-ketamine"), make_template("spravato")
    portland = Location.objects.get(organisation=org, name__endswith="Portland")
    boston = Location.objects.get(organisation=org, name__endswith="Boston")
    prescriber = staff["prescriber"]

    p1 = make_patient(org, 11, home_location=portland)
    make_plan(p1, prescriber, ketamine)
    score(p1, 20, days(-1))
    score(p1, 5, days(20))  # before the 4-week window: ignored
    score(p1, 9, days(27))  # closest to day 28: response (−55%), no remission (> 4)
    score(p1, 20, days(33))
    score(p1, 3, days(55))  # 8 weeks: response and remission

    p2 = make_patient(org, 12, home_location=boston)
    make_plan(p2, prescriber, ketamine)
    score(p2, 10, days(0))  # baseline on the day of the first treatment
    score(p2, 5, days(26))  # day 26 and day 30 are equally close: the earlier counts; exactly −50% responds
    score(p2, 6, days(30))

    p3 = make_patient(org, 13, home_location=portland)
    make_plan(p3, prescriber, spravato)
    score(p3, 16, days(-3))
    wrong = score(p3, 8, days(28))
    score(p3, 4, days(28), amends=wrong)  # the amendment replaces 8: response and remission
    score(p3, 12, days(63))  # edge of the 8-week window: no response (−25%)

    p4 = make_patient(org, 14, home_location=portland)  # no baseline: not counted
    make_plan(p4, prescriber, ketamine)
    score(p4, 18, days(28))

    p5 = make_patient(org, 15, home_location=portland)  # only a proposed plan: not treated yet
    make_plan(p5, prescriber, ketamine, status="proposed")
    score(p5, 20, days(-1))
    score(p5, 2, days(28))

    elsewhere = make_patient(other_org, 16)  # another organisation: never counted
    make_plan(elsewhere, other_staff["prescriber"], ketamine)
    score(elsewhere, 20, days(-1))
    score(elsewhere, 2, days(28))
    return {"portland": portland.name, "boston": boston.name}


def counts(row):
    return [row.with_baseline] + [(window.evaluable, window.responders, window.remitters) for window in row.windows]


def test_rates_by_protocol_and_location_follow_the_window_rule(clinic, staff):
    dashboard = clinic_outcomes(staff["prescriber"], "phq9")
    by_protocol = {row.label: counts(row) for row in dashboard.by_protocol}
    assert by_protocol == {
        "iv-ketamine": [2, (2, 2, 0), (1, 1, 1)],
        "spravato": [1, (1, 1, 1), (1, 0, 0)],
    }
    by_location = {row.label: counts(row) for row in dashboard.by_location}
    assert by_location == {
        clinic["portland"]: [2, (2, 2, 1), (2, 1, 1)],
        clinic["boston"]: [1, (1, 1, 0), (0, 0, 0)],
    }
    assert counts(dashboard.overall) == [3, (3, 3, 1), (2, 1, 1)]
    assert dashboard.overall.windows[0].response_percent == 100
    assert dashboard.overall.windows[1].remission_percent == 50


def test_madrs_remitters_follow_the_clinic_threshold(org, staff, make_patient):
    patient = make_patient(org, 21)
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 30, days(0), "madrs")
    score(patient, 12, days(28), "madrs")
    assert clinic_outcomes(staff["clinic_admin"], "madrs").overall.windows[0].remitters == 0
    MeasurementSettings.objects.create(organisation=org, madrs_remission_max=12)
    dashboard = clinic_outcomes(staff["clinic_admin"], "madrs")
    assert dashboard.remission_max_total == 12
    assert dashboard.overall.windows[0].remitters == 1


def test_pcl5_has_no_remission_column(clinic, staff):
    dashboard = clinic_outcomes(staff["prescriber"], "pcl5")
    assert dashboard.remission_max_total is None
    assert all(window.remitters is None for window in dashboard.overall.windows)


def test_the_page_renders_counts_and_bars_for_prescribers_and_admins(clinic, staff, signed_in):
    for role in ("prescriber", "clinic_admin"):
        response = signed_in(staff[role]).get("/measures/dashboard/")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'id="outcomes-protocol"' in html and 'id="outcomes-location"' in html
        assert "spravato" in html and clinic["boston"] in html
        assert html.count('class="bar-response"') == 2 * (2 + 2 + 1)  # two windows × (protocols + locations + all)


def test_the_cells_show_counts_percentages_and_bars(clinic, staff, signed_in):
    html = signed_in(staff["clinic_admin"]).get("/measures/dashboard/").content.decode()
    overall = html[html.index('id="outcomes-overall"') :]
    # All patients, 4 weeks: 3 evaluable, 3 responders, 1 remitter (see the clinic fixture).
    assert "<td>3</td>\n    <td>3 (100%)\n" in overall
    assert 'aria-label="response 100%"' in overall and 'class="bar-response" width="100.0"' in overall
    assert "<td>1 (33%)\n" in overall and 'class="bar-remission" width="33.3"' in overall
    by_location = html[html.index('id="outcomes-location"') : html.index('id="outcomes-overall"')]
    # Boston has nobody evaluable at 8 weeks: no percentage, an empty bar labelled 0%.
    boston = by_location[by_location.index(clinic["boston"]) :]
    assert "<td>0</td>\n    <td>0\n" in boston and 'aria-label="remission 0%"' in boston
    assert 'class="bar-remission" width="0.0"' in boston


def test_without_a_remission_rule_the_remitters_column_shows_a_dash(org, staff, signed_in, make_patient):
    patient = make_patient(org, 41)
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 50, days(-1), "pcl5")
    score(patient, 20, days(28), "pcl5")
    html = signed_in(staff["clinic_admin"]).get("/measures/dashboard/?instrument=pcl5").content.decode()
    assert "<td>1 (100%)\n" in html and "No home location" in html
    assert html.count("<td>—</td>") == 2 * (1 + 1 + 1) and "bar-remission" not in html  # two windows × three rows


def test_a_location_name_is_escaped(org, staff, signed_in, make_patient):
    annex = Location.objects.create(organisation=org, name="<b>Annex</b>", time_zone="America/New_York")
    patient = make_patient(org, 31, home_location=annex)
    make_plan(patient, staff["prescriber"], make_template())
    score(patient, 20, days(-1))
    html = signed_in(staff["clinic_admin"]).get("/measures/dashboard/").content.decode()
    assert "&lt;b&gt;Annex&lt;/b&gt;" in html and "<b>Annex" not in html


def test_the_dashboard_is_audited_as_a_list(clinic, staff, signed_in):
    signed_in(staff["prescriber"]).get("/measures/dashboard/?instrument=gad7")
    entry = AuditEntry.objects.filter(action=AuditAction.LIST, object_type="measures.outcomes").get()
    assert entry.actor == staff["prescriber"]
    assert entry.detail == {"instrument": "gad7", "patients_with_baseline": 0}


@pytest.mark.parametrize("role", ["nurse", "therapist", "front_desk"])
def test_other_staff_roles_are_refused(staff, signed_in, role):
    assert signed_in(staff[role]).get("/measures/dashboard/").status_code == 403
    assert not AuditEntry.objects.filter(object_type="measures.outcomes").exists()


def test_a_patient_is_refused(patient, signed_in):
    assert signed_in(patient.user).get("/measures/dashboard/").status_code == 403


def test_another_organisation_sees_only_its_own_patients(clinic, other_staff):
    assert counts(clinic_outcomes(other_staff["prescriber"]).overall) == [1, (1, 1, 1), (0, 0, 0)]


@pytest.mark.parametrize("instrument", ["nope", "cadss", "cssrs_screener"])
def test_an_instrument_without_outcomes_is_a_clear_400(staff, signed_in, instrument):
    response = signed_in(staff["prescriber"]).get(f"/measures/dashboard/?instrument={instrument}")
    assert response.status_code == 400
    assert "Instrument:" in response.content.decode() and "phq9" in response.content.decode()
    assert not AuditEntry.objects.filter(object_type="measures.outcomes").exists()


def build(make_patient, org, prescriber, patient_count: int, first_number: int) -> None:
    rng = random.Random(patient_count)
    templates = [make_template(f"protocol-{n}-{first_number}") for n in range(3)]
    locations = list(Location.objects.filter(organisation=org))
    for number in range(first_number, first_number + patient_count):
        patient = make_patient(org, number, home_location=rng.choice(locations))
        make_plan(patient, prescriber, rng.choice(templates), sessions=1)
        for day in (-2, 10, 27, 40, 56):
            score(patient, rng.randrange(28), days(day))


def test_the_number_of_queries_does_not_grow_with_the_data(org, staff, make_patient):
    prescriber = staff["prescriber"]
    _ = prescriber.organisation  # loaded once here, as the request's user would already be
    build(make_patient, org, prescriber, 3, 100)
    small, small_reads = dashboard_and_reads(prescriber)
    build(make_patient, org, prescriber, 40, 200)
    large, large_reads = dashboard_and_reads(prescriber)
    assert small.overall.with_baseline == 3 and large.overall.with_baseline == 43
    assert len(small_reads) == len(large_reads) == 1, large_reads


def test_only_the_madrs_dashboard_reads_the_clinic_settings(org, staff):
    """The clinic sets MADRS's remission threshold only (MeasurementSettings); the others are the instrument's."""
    settings_table = MeasurementSettings._meta.db_table
    _, phq9_reads = dashboard_and_reads(staff["prescriber"], "phq9")
    _, madrs_reads = dashboard_and_reads(staff["prescriber"], "madrs")
    assert len(phq9_reads) == 1 and settings_table not in phq9_reads[0]
    assert len(madrs_reads) == 2 and any(settings_table in sql for sql in madrs_reads)


def dashboard_and_reads(user, instrument="phq9"):
    """The dashboard and its statements other than the audit entry's (those are the audit trail's
    own, pinned by its tests): the pre-aggregated counts with their locations' names, and for MADRS
    the clinic's settings."""
    with CaptureQueriesContext(connection) as captured:
        dashboard = clinic_outcomes(user, instrument)
    audit_tables = (AuditEntry._meta.db_table, "audit_")
    reads = [q["sql"] for q in captured.captured_queries if not any(table in q["sql"] for table in audit_tables)]
    return dashboard, [sql for sql in reads if sql.startswith("SELECT")]
