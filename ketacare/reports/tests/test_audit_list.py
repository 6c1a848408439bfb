"""The audit list page: the organisation's entries, filtered, in the clinic's time zone."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction, AuditEntry


def shown(client, **params) -> list[int]:
    response = client.get("/audit/", params)
    assert response.status_code == 200
    return [entry.sequence for entry in response.context["page"]]


@pytest.fixture
def admin_client(client, admin, signed_in):
    return signed_in(admin)


def test_it_lists_the_organisations_entries_newest_first(admin_client, audit_trail):
    sequences = shown(admin_client)
    harbor = [audit_trail[key].sequence for key in ("search", "other_view", "late_view", "registered")]
    assert [s for s in sequences if s in harbor] == harbor
    assert audit_trail["elsewhere"].pk not in {entry.pk for entry in admin_client.get("/audit/").context["page"]}


def test_it_shows_times_in_the_first_locations_zone_and_says_so(admin_client, audit_trail):
    page = admin_client.get("/audit/").content.decode()
    # 2026-03-10 03:30 UTC, first location (by name) Harbor Boston: America/New_York, EDT.
    assert "2026-03-09 23:30:00 EDT" in page
    assert "America/New_York (time zone of Harbor Boston)" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"action": "create"}, {"registered"}),
        ({"actor": "NURSE_har"}, {"late_view", "other_view"}),
        ({"record_number": "t-00001"}, {"registered", "late_view"}),
        ({"object_type": "patients.patient", "action": "list"}, {"search"}),
        # Whole days in America/New_York: 03:30 UTC on 10 March is still 9 March there.
        ({"date_from": "2026-03-10"}, {"other_view", "search"}),
        ({"date_to": "2026-03-09"}, {"registered", "late_view"}),
        ({"date_from": "2026-03-09", "date_to": "2026-03-09"}, {"registered", "late_view"}),
        ({"actor": "front_desk", "date_from": "2026-03-11"}, {"search"}),
    ],
)
def test_filters_narrow_the_list(admin_client, audit_trail, params, expected):
    # Sequences count within each organisation's chain: Elsewhere's entries have their own.
    harbor = {audit_trail[key].sequence: key for key in audit_trail if key != "elsewhere"}
    # The sign-in and earlier reads of the list happen now and may match too; only the trail counts.
    assert {harbor[s] for s in shown(admin_client, **params) if s in harbor} == expected


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"date_from": "2026-03-12", "date_to": "2026-03-10"}, "date_to"),
        ({"date_from": "10 March"}, "date_from"),
        ({"action": "delete"}, "action"),
        ({"actor": "a\x00b"}, "actor"),
    ],
)
def test_bad_filters_name_the_field_and_list_nothing(admin_client, audit_trail, params, field):
    before = AuditEntry.objects.count()
    response = admin_client.get("/audit/", params)
    assert response.status_code == 200
    assert response.context.get("page") is None
    assert response.context["form"].errors
    assert field in response.context["form"].errors or response.context["form"].non_field_errors()
    assert AuditEntry.objects.count() == before


def test_end_before_start_is_reported_on_the_end_date(admin_client, audit_trail):
    response = admin_client.get("/audit/", {"date_from": "2026-03-12", "date_to": "2026-03-10"})
    assert response.context["form"].errors["date_to"] == ["The end date is before the start date."]


def test_extreme_dates_do_not_break_the_page(admin_client, audit_trail):
    assert shown(admin_client, date_from="0001-01-01", date_to="9999-12-31")


def test_reading_the_list_is_audited_and_does_not_list_itself(admin_client, admin, audit_trail):
    sequences = shown(admin_client, action="view")
    read = AuditEntry.objects.filter(actor=admin, action=AuditAction.LIST).latest("sequence")
    assert read.object_type == "audit.auditentry"
    assert read.detail == {"filters": {"action": "view"}}
    assert read.sequence not in sequences


def test_it_pages_fifty_at_a_time(admin_client, admin, patient):
    for _ in range(60):
        record_event(admin, AuditAction.VIEW, patient, patient=patient)
    first = admin_client.get("/audit/", {"action": "view"})
    assert len(first.context["page"]) == 50
    assert first.context["page"].paginator.count == 60
    second = admin_client.get("/audit/", {"action": "view", "page": 2})
    assert len(second.context["page"]) == 10
    assert "action=view&amp;page=2" in first.content.decode()


def test_rows_cost_no_query_each(admin_client, admin, patient, second_patient, audit_trail):
    def queries_for_page() -> int:
        with CaptureQueriesContext(connection) as captured:
            admin_client.get("/audit/")
        return len(captured)

    # The first signed-in request also stamps the idle clock and remembers the 2FA state (once a minute).
    queries_for_page()
    few = queries_for_page()
    for number in range(30):
        who = patient if number % 2 else second_patient
        record_event(admin, AuditAction.VIEW, who, patient=who)
    assert queries_for_page() == few


def test_patient_names_link_to_their_access_history(admin_client, patient, audit_trail):
    page = admin_client.get("/audit/").content.decode()
    assert f"/audit/patients/{patient.pk}/" in page
    assert patient.record_number in page


def test_the_list_links_to_the_verify_page(admin_client, audit_trail):
    assert 'href="/audit/verify/"' in admin_client.get("/audit/").content.decode()


def test_an_organisation_without_locations_is_shown_in_utc(admin_client, org, audit_trail):
    from ketacare.clinics.models import Location

    Location.objects.filter(organisation=org).delete()
    page = admin_client.get("/audit/").content.decode()
    assert "2026-03-10 03:30:00 UTC" in page
    assert "read, in UTC" in page
    assert shown(admin_client, date_from="2026-03-10", action="view")[-1] == audit_trail["late_view"].sequence
