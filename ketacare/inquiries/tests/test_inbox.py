"""The staff inbox and request page: access by role and organisation, display, triage, conversion."""

import datetime as dt
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.template import Context, Template
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.inquiries.actions import do_convert_inquiry
from ketacare.inquiries.domain.validation import WindowRequest
from ketacare.inquiries.models import Inquiry, InquiryStatus, PreferredWindow
from ketacare.inquiries.selectors import INBOX_PAGE_SIZE
from ketacare.inquiries.tests.conftest import boston, portland, upcoming
from ketacare.patients.models import Patient

pytestmark = pytest.mark.django_db
INBOX = "/inquiries/"


def detail_url(inquiry) -> str:
    return reverse("inquiries:detail", args=[inquiry.pk])


def patient_page_exists() -> bool:
    try:
        reverse("patients:detail", args=[1])
    except NoReverseMatch:
        return False
    return True


@pytest.fixture
def inquiry(org, submit):
    return submit(org, preferred_location_id=portland(org).pk, reasons=("depression", "suicidal_thoughts"))


def test_anonymous_visitors_are_sent_to_sign_in(client, inquiry):
    for url in (INBOX, detail_url(inquiry)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "clinic_admin"])
def test_staff_with_inbox_access_see_their_organisations_requests(signed_in, staff, inquiry, role):
    response = signed_in(staff[role]).get(INBOX)
    assert response.status_code == 200
    assert "Robin Okafor" in response.content.decode()
    # Suicidal thoughts stand out in the list.
    assert "<strong>Suicidal thoughts</strong>" in response.content.decode()


@pytest.mark.parametrize("role", ["therapist", "patient"])
def test_therapists_and_patients_are_refused(signed_in, staff, patient, inquiry, role):
    user = patient.user if role == "patient" else staff[role]
    client = signed_in(user)
    assert client.get(INBOX).status_code == 403
    assert client.get(detail_url(inquiry)).status_code == 403
    assert not AuditEntry.objects.filter(action__in=[AuditAction.LIST, AuditAction.VIEW]).exists()


def test_another_organisations_staff_see_none_of_ours(signed_in, other_staff, inquiry):
    client = signed_in(other_staff["front_desk"])
    listing = client.get(INBOX)
    assert listing.status_code == 200
    assert "Robin Okafor" not in listing.content.decode()
    assert listing.context["inbox"].total == 0
    assert client.get(detail_url(inquiry)).status_code == 404
    assert client.post(reverse("inquiries:status", args=[inquiry.pk]), {"status": "declined"}).status_code == 404
    assert client.post(reverse("inquiries:convert", args=[inquiry.pk])).status_code == 404
    inquiry.refresh_from_db()
    assert (inquiry.status, inquiry.patient_id) == (InquiryStatus.NEW, None)


def test_an_id_beyond_any_record_is_404_not_500(signed_in, staff):
    client = signed_in(staff["front_desk"])
    assert client.get(f"{INBOX}{2**64}/").status_code == 404
    assert client.post(f"{INBOX}{2**64}/convert/").status_code == 404


def test_listing_and_viewing_are_audited(signed_in, staff, inquiry):
    user = staff["front_desk"]
    client = signed_in(user)
    client.get(INBOX)
    listed = AuditEntry.objects.get(action=AuditAction.LIST)
    assert (listed.actor, listed.object_type) == (user, "inquiries.inquiry")
    assert listed.organisation_id == user.organisation_id
    client.get(detail_url(inquiry))
    viewed = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert (viewed.actor, viewed.object_type, viewed.object_id) == (user, "inquiries.inquiry", str(inquiry.pk))


def test_a_row_shows_age_contact_reasons_location_and_local_windows(signed_in, staff, org, submit):
    day = upcoming(12, 1)
    submit(
        org,
        preferred_location_id=boston(org).pk,
        first_name="Ada",
        email="ada@example.org",
        phone="",
        windows=[WindowRequest(day, dt.time(9), dt.time(12))],
    )
    submit(
        org,
        preferred_location_id=portland(org).pk,
        first_name="Bo",
        email="bo@example.org",
        phone="",
        windows=[WindowRequest(day, dt.time(9), dt.time(12))],
    )
    html = signed_in(staff["front_desk"]).get(INBOX).content.decode()
    label = f"{day:%a} {day.day} {day:%b}, 9:00–12:00"
    # The same wall-clock hours, each shown in its own location's zone.
    assert f"{label} EST" in html
    assert f"{label} PST" in html
    assert "Harbor Boston" in html and "Harbor Portland" in html
    assert "ada@example.org" in html and "Depression" in html
    assert "(1985-03-14)" in html


def test_tabs_filter_by_status_with_counts_newest_first(signed_in, staff, org, submit):
    for name in ("Ada", "Bo", "Cy"):
        submit(org, first_name=name, email=f"{name.lower()}@example.org", phone="")
    Inquiry.objects.filter(first_name="Bo").update(status=InquiryStatus.CONTACTED)
    client = signed_in(staff["front_desk"])
    everything = client.get(INBOX).context["inbox"]
    assert [i.first_name for i in everything.page] == ["Cy", "Bo", "Ada"]
    assert {tab.status: tab.count for tab in everything.tabs} == {
        "new": 2,
        "contacted": 1,
        "scheduled": 0,
        "declined": 0,
    }
    contacted = client.get(INBOX, {"status": "contacted"})
    assert [i.first_name for i in contacted.context["inbox"].page] == ["Bo"]
    assert "Contacted (1)" in contacted.content.decode()


def test_the_inbox_pages_by_25_in_a_fixed_number_of_queries(signed_in, staff, org, submit):
    first = submit(org)
    client = signed_in(staff["front_desk"])
    client.get(INBOX)  # session and user caches warm
    with CaptureQueriesContext(connection) as one_row:
        client.get(INBOX)
    for number in range(INBOX_PAGE_SIZE):
        submit(
            org, first_name=f"P{number}", email=f"p{number}@example.org", phone="", preferred_location_id=boston(org).pk
        )
    with CaptureQueriesContext(connection) as full_page:
        page_one = client.get(INBOX)
    assert len(full_page) == len(one_row)
    assert len(page_one.context["inbox"].page) == INBOX_PAGE_SIZE
    page_two = client.get(INBOX, {"page": 2}).context["inbox"].page
    assert [i.id for i in page_two] == [first.pk]


def test_the_inbox_reads_of_a_converted_requests_patient_only_its_record_number(signed_in, staff, inquiry):
    """Issue 19: building a query costs per selected column; the inbox shows the patient's record number, and
    the request's preferred times (read in one query, listed in the location's clock)."""
    patient = do_convert_inquiry(staff["front_desk"], inquiry.pk)
    client = signed_in(staff["front_desk"])
    client.get(INBOX)  # session and user caches warm
    with CaptureQueriesContext(connection) as queries:
        page = client.get(INBOX).content.decode()
    assert f"patient {patient.record_number}" in page
    assert all(label in page for label in inquiry.window_labels) and inquiry.window_labels
    [rows_read] = [query["sql"] for query in queries if 'FROM "inquiries_inquiry" LEFT OUTER JOIN' in query["sql"]]
    assert '"patients_patient"."record_number"' in rows_read
    assert '"patients_patient"."email"' not in rows_read


def test_the_inbox_lists_windows_without_a_model_per_window_and_prints_times_in_the_pages_zone(
    signed_in, staff, inquiry
):
    """Issue 19: the windows are read as two times each (no PreferredWindow built per window), and the received
    time is printed in Python as `|date:"D j M, G:i T"` printed it, in the zone the page shows."""
    staff["front_desk"].time_zone = "Asia/Tokyo"  # their chosen zone: every page of theirs shows it
    staff["front_desk"].save(update_fields=["time_zone"])
    client = signed_in(staff["front_desk"])
    with mock.patch.object(PreferredWindow, "from_db", side_effect=AssertionError("built a window model")):
        page = client.get(INBOX).content.decode()
    assert all(label in page for label in inquiry.window_labels) and inquiry.window_labels
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        received = Template('{{ at|date:"D j M, G:i T" }}').render(Context({"at": inquiry.submitted_at}))
    assert f'<td class="small">{received}</td>' in page and received.endswith(" JST")
    assert "Depression, <strong>Suicidal thoughts</strong>" in page  # the reasons joined, the urgent one marked


def test_what_requesters_typed_is_escaped_in_the_inbox(signed_in, staff, org, submit):
    """The row's text is built in Python (issue 19); what a requester typed still reaches the page escaped."""
    request = submit(org)
    # Stored as any text could be (the form's rules aside): name, contact and the other reason.
    Inquiry.objects.filter(pk=request.pk).update(
        first_name="<script>alert(1)</script>",
        last_name="O'Hara & Co",
        phone='"><script>',
        email="<b>x</b>@example.org",
        reason_other="<img src=x onerror=alert(2)>",
        reasons=["other", "suicidal_thoughts", "<i>unknown</i>"],
    )
    html = signed_in(staff["front_desk"]).get(INBOX).content.decode()
    assert "<script>alert(1)" not in html and "<img" not in html and "<i>" not in html and "<b>x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; O&#x27;Hara &amp; Co</a>" in html
    assert 'href="tel:&quot;&gt;&lt;script&gt;"' in html
    assert 'href="mailto:&lt;b&gt;x&lt;/b&gt;@example.org"' in html
    assert "Other, <strong>Suicidal thoughts</strong>, &lt;i&gt;unknown&lt;/i&gt;: &lt;img src=x" in html


def test_a_status_tab_pages_its_own_requests_each_with_its_own_windows(signed_in, staff, org, submit, monkeypatch):
    monkeypatch.setattr("ketacare.inquiries.selectors.INBOX_PAGE_SIZE", 2)
    hours = {"Ada": 9, "Bo": 10, "Cy": 11, "Di": 12}
    for name, hour in hours.items():
        submit(
            org,
            first_name=name,
            email=f"{name.lower()}@example.org",
            phone="",
            windows=[WindowRequest(upcoming(12, 1), dt.time(hour), dt.time(hour + 1))],
        )
    Inquiry.objects.filter(first_name="Bo").update(status=InquiryStatus.CONTACTED)
    client = signed_in(staff["front_desk"])
    newest = client.get(INBOX, {"status": "new"})
    assert [row.first_name for row in newest.context["inbox"].page] == ["Di", "Cy"]
    oldest = client.get(INBOX, {"status": "new", "page": 2})
    [row] = oldest.context["inbox"].page
    assert row.first_name == "Ada"
    html = oldest.content.decode()
    assert "9:00–10:00 PST" in html and "–11:00" not in html and "–12:00" not in html
    assert "Page 2 of 2" in html and "status=new&amp;page=1" in html
    # A page number past the end shows the last page; nonsense shows the first.
    assert [row.first_name for row in client.get(INBOX, {"page": 9}).context["inbox"].page] == ["Bo", "Ada"]
    assert [row.first_name for row in client.get(INBOX, {"page": "x"}).context["inbox"].page] == ["Di", "Cy"]


def test_the_inbox_builds_no_sql_of_its_own_after_the_first_visit(signed_in, staff, inquiry, sql_built_for):
    """Issue 19: building a read's SQL from a queryset cost more than the database's answer; the inbox's reads
    are built once per connection and run with each visit's values."""
    client = signed_in(staff["front_desk"])
    # The first visit of each kind (all requests, one status) builds that kind's reads, unless a test before
    # this one on the same worker did: what is built after them must not depend on the tests' order.
    client.get(INBOX)
    client.get(INBOX, {"status": "new"})
    sql_built_for.clear()
    page = client.get(INBOX, {"status": "new"}).content.decode()
    client.get(INBOX)
    assert "Robin Okafor" in page and "New (1)" in page
    assert not [model for model in sql_built_for if model._meta.db_table.startswith("inquiries_")]


def test_the_request_page_shows_everything(signed_in, staff, inquiry):
    response = signed_in(staff["nurse"]).get(detail_url(inquiry))
    html = response.content.decode()
    for text in (
        "Robin Okafor",
        "+15035550123",
        "robin@example.org",
        "1985-03-14",
        "Harbor Portland",
        "Suicidal thoughts",
        "PST",
        'class="crisis"',
    ):
        assert text in html
    # A nurse may read but not triage or register.
    assert "Save status" not in html and "Convert to patient" not in html


def test_front_desk_changes_the_status_with_a_note(signed_in, staff, inquiry):
    client = signed_in(staff["front_desk"])
    response = client.post(
        reverse("inquiries:status", args=[inquiry.pk]), {"status": "contacted", "note": "Left a voicemail"}
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CONTACTED
    assert "New → Contacted: Left a voicemail" in inquiry.status_note
    entry = AuditEntry.objects.get(action=AuditAction.STATUS_CHANGE)
    assert entry.detail["from"] == "new" and entry.detail["to"] == "contacted"


def test_an_unchanged_status_is_refused_with_a_message(signed_in, staff, inquiry):
    response = signed_in(staff["front_desk"]).post(reverse("inquiries:status", args=[inquiry.pk]), {"status": "new"})
    assert response.status_code == 200
    assert "already “New”" in " ".join(response.context["status_form"].errors["status"])
    assert not AuditEntry.objects.filter(action=AuditAction.STATUS_CHANGE).exists()


def test_staff_without_triage_rights_cannot_change_the_status(signed_in, staff, inquiry):
    response = signed_in(staff["nurse"]).post(reverse("inquiries:status", args=[inquiry.pk]), {"status": "declined"})
    assert response.status_code == 403
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.NEW


def test_convert_registers_the_patient_and_links_the_request(signed_in, staff, inquiry):
    user = staff["front_desk"]
    client = signed_in(user)
    if patient_page_exists():
        response = client.post(reverse("inquiries:convert", args=[inquiry.pk]))
        patient = Patient.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("patients:detail", args=[patient.pk])
    else:
        # patients:detail is not there yet: the redirect cannot be built, the conversion is still checked.
        patient = do_convert_inquiry(user, inquiry.pk)
    assert patient.record_number.startswith("KC-")
    assert (patient.first_name, patient.date_of_birth, patient.phone) == ("Robin", dt.date(1985, 3, 14), "+15035550123")
    assert patient.home_location == inquiry.preferred_location
    inquiry.refresh_from_db()
    assert inquiry.patient == patient
    assert (
        AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="patients.patient", patient=patient).count()
        == 1
    )
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.UPDATE, object_type="inquiries.inquiry", object_id=str(inquiry.pk), patient=patient
        ).count()
        == 1
    )


def test_the_patients_chart_lists_the_requests_they_came_from(signed_in, staff, patient, org):
    # The chart (ketacare.patients) reads them through the reverse relation; the whole chart:
    # patients/tests/test_pages.py.
    Inquiry.objects.create(
        organisation=org,
        first_name="Pat1",
        last_name="Example1",
        date_of_birth=patient.date_of_birth,
        patient=patient,
        reasons=["depression"],
    )
    page = signed_in(staff["nurse"]).get(reverse("patients:detail", args=[patient.pk])).content.decode()
    for text in ["Consultation requests", "Depression"]:
        assert text in page, text


def test_converting_twice_is_refused_with_a_message(signed_in, staff, inquiry):
    do_convert_inquiry(staff["front_desk"], inquiry.pk)
    response = signed_in(staff["clinic_admin"]).post(reverse("inquiries:convert", args=[inquiry.pk]), follow=True)
    assert "already converted to patient KC-" in response.content.decode()
    assert Patient.objects.count() == 1


def test_staff_without_convert_rights_are_refused(signed_in, staff, inquiry):
    assert signed_in(staff["nurse"]).post(reverse("inquiries:convert", args=[inquiry.pk])).status_code == 403
    assert not Patient.objects.exists()
