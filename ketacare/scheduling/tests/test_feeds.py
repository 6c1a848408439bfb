"""iCalendar feeds: unguessable revocable URLs, what each feed holds, times against the location's zone."""

import datetime as dt
import hashlib
import re
import zoneinfo

import icalendar
import pytest
from django.utils import timezone

from ketacare.audit.models import AuditEntry
from ketacare.scheduling.actions import feeds
from ketacare.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentStatus,
    CalendarFeed,
)
from ketacare.scheduling.tests.test_reminders_support import make_appointment

pytestmark = pytest.mark.django_db
LA = zoneinfo.ZoneInfo("America/Los_Angeles")
NY = zoneinfo.ZoneInfo("America/New_York")
API = "/api/v1/scheduling"


def local(days_ahead: int, hour: int, minute: int, zone) -> dt.datetime:
    day = (timezone.now() + dt.timedelta(days=days_ahead)).astimezone(zone).date()
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def feed_url_from_page(client, page: str) -> str:
    response = client.post(page, {"action": "create"})
    assert response.status_code == 200
    return re.search(r'value="(http://testserver/scheduling/feeds/[^"]+\.ics)"', response.content.decode()).group(1)


def events(client, url) -> dict[str, icalendar.Event]:
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


@pytest.fixture
def nurse_day(org, other_org, patient, second_patient, other_org_patient, staff, other_staff):
    """The nurse monitors one session in Portland and is clinician of one in Boston; one is someone else's."""
    portland = org.locations.get(name__endswith="Portland")
    boston = org.locations.get(name__endswith="Boston")
    nurse = staff["nurse"]
    return {
        "portland": make_appointment(
            org, patient, staff["front_desk"], starts_at=local(3, 9, 30, LA), location=portland, monitoring_nurse=nurse
        ),
        "boston": make_appointment(
            org,
            second_patient,
            staff["front_desk"],
            starts_at=local(4, 14, 0, NY),
            location=boston,
            clinician=nurse,
            kind=AppointmentKind.CONSULTATION,
        ),
        "not_hers": make_appointment(
            org, patient, staff["front_desk"], starts_at=local(5, 10, 0, LA), clinician=staff["prescriber"]
        ),
        "other_org": make_appointment(
            other_org, other_org_patient, other_staff["front_desk"], hours_ahead=30, clinician=other_staff["nurse"]
        ),
    }


def test_staff_feed_holds_their_appointments_with_times_in_the_locations_zone(client, signed_in, staff, nurse_day):
    url = feed_url_from_page(signed_in(staff["nurse"]), "/scheduling/calendar-feed/")
    client.logout()  # the phone has no session: the token is the credential
    found = events(client, url)
    assert set(found) == {f"appointment-{nurse_day[k].pk}@ketacare" for k in ("portland", "boston")}
    portland = found[f"appointment-{nurse_day['portland'].pk}@ketacare"]
    start = portland.decoded("DTSTART")
    assert start.utcoffset() == dt.timedelta(0)  # UTC on the wire
    assert start.astimezone(LA).replace(tzinfo=None) == local(3, 9, 30, LA).replace(tzinfo=None)
    assert portland.decoded("DTEND") - start == dt.timedelta(minutes=60)
    boston = found[f"appointment-{nurse_day['boston'].pk}@ketacare"]
    assert boston.decoded("DTSTART").astimezone(NY).replace(tzinfo=None) == local(4, 14, 0, NY).replace(tzinfo=None)
    assert "Harbor Boston" in str(boston["LOCATION"])
    assert "2:00 PM E" in str(boston["DESCRIPTION"])  # EST or EDT: the location's own clock
    # Titles carry the type, initials and record number — not the name, never clinical details.
    assert str(portland["SUMMARY"]) == "IV infusion: P.E. (T-00001)"
    assert str(portland["STATUS"]) == "CONFIRMED"


def test_uid_stays_sequence_grows_and_cancellation_shows(client, signed_in, staff, nurse_day):
    url = feed_url_from_page(signed_in(staff["nurse"]), "/scheduling/calendar-feed/")
    uid = f"appointment-{nurse_day['portland'].pk}@ketacare"
    before = events(client, url)[uid]
    appointment = nurse_day["portland"]
    Appointment.objects.filter(pk=appointment.pk).update(
        status=AppointmentStatus.CANCELLED, updated_at=appointment.updated_at + dt.timedelta(seconds=30)
    )
    after = events(client, url)[uid]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert str(after["STATUS"]) == "CANCELLED"


def test_patient_feed_holds_only_their_appointments_with_instructions(client, signed_in, patient, nurse_day):
    url = feed_url_from_page(signed_in(patient.user), "/scheduling/portal/calendar-feed/")
    client.logout()
    found = events(client, url)
    assert set(found) == {f"appointment-{nurse_day[k].pk}@ketacare" for k in ("portland", "not_hers")}
    event = found[f"appointment-{nurse_day['portland'].pk}@ketacare"]
    assert str(event["SUMMARY"]) == "IV infusion at Harbor Portland"
    assert "next day" in str(event["DESCRIPTION"])


def test_only_the_hash_is_stored_and_reads_are_audited(client, signed_in, staff, nurse_day):
    url = feed_url_from_page(signed_in(staff["nurse"]), "/scheduling/calendar-feed/")
    token = url.rsplit("/", 1)[1].removesuffix(".ics")
    assert len(token) >= 43
    feed = CalendarFeed.objects.get(owner=staff["nurse"])
    assert feed.token_sha256 == hashlib.sha256(token.encode()).hexdigest()
    client.logout()
    events(client, url)
    feed.refresh_from_db()
    assert feed.last_used_at is not None
    read = AuditEntry.objects.filter(object_type="scheduling.calendarfeed", action="view").get()
    assert read.actor == staff["nurse"] and read.detail["appointments"] == 2


def test_revoked_unknown_and_replaced_feeds_answer_404(client, signed_in, staff, nurse_day):
    nurse_client = signed_in(staff["nurse"])
    first = feed_url_from_page(nurse_client, "/scheduling/calendar-feed/")
    second = feed_url_from_page(nurse_client, "/scheduling/calendar-feed/")
    assert client.get(first).status_code == 404  # a new address replaces the old one
    assert client.get(second).status_code == 200
    feed = CalendarFeed.objects.get(owner=staff["nurse"], revoked_at__isnull=True)
    response = nurse_client.post("/scheduling/calendar-feed/", {"action": "revoke", "feed_id": feed.pk})
    assert response.status_code == 302
    assert client.get(second).status_code == 404
    assert client.get(f"/scheduling/feeds/{feeds.new_token()}.ics").status_code == 404
    assert client.get("/scheduling/feeds/short.ics").status_code == 404


def test_a_feed_of_someone_who_left_stops(client, signed_in, staff, nurse_day):
    url = feed_url_from_page(signed_in(staff["nurse"]), "/scheduling/calendar-feed/")
    staff["nurse"].is_active = False
    staff["nurse"].save()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize(
    "role, page", [("patient", "/scheduling/calendar-feed/"), ("front_desk", "/scheduling/portal/calendar-feed/")]
)
def test_feed_pages_by_role(signed_in, staff, patient, role, page):
    user = patient.user if role == "patient" else staff[role]
    assert signed_in(user).get(page).status_code == 403


def test_feed_page_needs_sign_in(client):
    response = client.get("/scheduling/calendar-feed/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_feed_api_create_list_revoke(client, signed_in, staff, other_staff, nurse_day):
    api = signed_in(staff["nurse"])
    created = api.post(f"{API}/feeds")
    assert created.status_code == 201
    url = created.json()["url"]
    assert client.get(url).status_code == 200
    listed = api.get(f"{API}/feeds").json()
    assert [f["id"] for f in listed] == [created.json()["id"]] and "url" not in listed[0]
    revoked = api.post(f"{API}/feeds/{created.json()['id']}/revoke")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert client.get(url).status_code == 404


def test_feed_api_cannot_touch_someone_elses_feed(signed_in, staff, other_staff):
    feed, _ = feeds.do_create_calendar_feed(staff["nurse"])
    assert signed_in(other_staff["nurse"]).post(f"{API}/feeds/{feed.pk}/revoke").status_code == 404
    assert signed_in(staff["therapist"]).post(f"{API}/feeds/{feed.pk}/revoke").status_code == 404
    feed.refresh_from_db()
    assert feed.revoked_at is None


def test_feed_api_needs_authentication(client):
    assert client.post(f"{API}/feeds").status_code == 401
