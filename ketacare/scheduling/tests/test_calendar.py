"""Location and staff calendars: chairs as columns, local times, htmx navigation, constant queries."""

import datetime as dt

from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.audit.models import AuditEntry
from ketacare.scheduling.actions import booking
from ketacare.scheduling.models import AppointmentKind, Chair, ClosedDate, OpeningHours
from ketacare.scheduling.selectors.booking import location_calendar
from ketacare.scheduling.selectors.resources import access_location_by_id
from ketacare.scheduling.tests.booking_world import IV, boston


def book(clinic, user, patient, day, hour, kind=IV, **kw):
    return booking.do_book_appointment(
        user,
        patient_id=patient.pk,
        appointment_type_id=clinic.type(kind).pk,
        location_id=clinic.location.pk,
        starts_at=boston(day, hour),
        **kw,
    )


def calendar_url(clinic, **params):
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"{reverse('scheduling:location_calendar', args=[clinic.location.pk])}?{query}"


def test_day_view_shows_chairs_as_columns_in_local_time(signed_in, clinic, staff, patient):
    book(clinic, staff["front_desk"], patient, clinic.day, 9, chair_id=clinic.chair2.pk)
    response = signed_in(staff["nurse"]).get(calendar_url(clinic, date=clinic.day.isoformat(), view="day"))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Chair 1") < html.index("Chair 2") < html.index("Room 3") < html.index("No chair")
    # 14:00 UTC shown as 09:00 in Boston; the patient is linked.
    assert "09:00–10:40" in html and "14:00" not in html
    assert reverse("patients:detail", args=[patient.pk]) in html
    assert "America/New_York" in html


def test_week_view_starts_on_monday_and_htmx_gets_the_fragment(signed_in, clinic, staff, patient):
    book(clinic, staff["front_desk"], patient, clinic.day + dt.timedelta(days=2), 9)
    client = signed_in(staff["front_desk"])
    wednesday = clinic.day + dt.timedelta(days=2)
    page = client.get(calendar_url(clinic, date=wednesday.isoformat(), view="week")).content.decode()
    assert clinic.day.strftime("%A %-d %B %Y") in page and "<html" in page
    assert f"date={(clinic.day + dt.timedelta(days=7)).isoformat()}" in page  # next week
    assert f'href="{reverse("patients:list")}"' in page  # the site's navigation is still there
    fragment = client.get(calendar_url(clinic, date=clinic.day.isoformat(), view="week"), HTTP_HX_REQUEST="true")
    text = fragment.content.decode()
    assert "<html" not in text and 'id="calendar"' in text and "Pat1 Example1" in text


def test_calendar_queries_do_not_grow_with_appointments(signed_in, clinic, staff, patient, org, make_patient):
    client = signed_in(staff["front_desk"])
    url = calendar_url(clinic, date=clinic.day.isoformat(), view="week")
    book(clinic, staff["front_desk"], patient, clinic.day, 9)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for offset in range(1, 5):
        for hour in (9, 12):
            book(
                clinic,
                staff["front_desk"],
                make_patient(org, 300 + offset * 10 + hour),
                clinic.day + dt.timedelta(days=offset),
                hour,
            )
    book(clinic, staff["front_desk"], make_patient(org, 400), clinic.day, 13, kind=AppointmentKind.INTEGRATION)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)
    assert response.content.decode().count('class="appt') == 10
    assert len(many) == len(few)


def test_the_location_calendar_reads_its_location_once(signed_in, clinic, staff, patient):
    book(clinic, staff["front_desk"], patient, clinic.day, 9)
    front_desk = staff["front_desk"]
    front_desk.home_location = clinic.location  # the zone of her pages comes with her session, not a query
    front_desk.save(update_fields=["home_location"])
    client = signed_in(front_desk)
    url = calendar_url(clinic, date=clinic.day.isoformat(), view="week")
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    assert len([q for q in queries if 'FROM "clinics_location"' in q["sql"]]) == 1


class ModelsBuilt:
    """Counts model instances created (post_init fires for every one, whatever the model)."""

    def __enter__(self):
        self.count = 0
        post_init.connect(self._count)
        return self

    def __exit__(self, *exc):
        post_init.disconnect(self._count)

    def _count(self, **kwargs):
        self.count += 1


def test_week_calendars_cost_no_model_or_query_per_appointment(signed_in, clinic, staff, patient, org, make_patient):
    """The calendars build their rows from values (no six model instances per appointment): the
    queries and the model instances of a week stay the same from 1 to 9 appointments."""
    client = signed_in(staff["front_desk"])
    urls = [
        calendar_url(clinic, date=clinic.day.isoformat(), view="week"),
        f"{reverse('scheduling:staff_calendar', args=[staff['nurse'].pk])}?date={clinic.day.isoformat()}&view=week",
    ]
    book(clinic, staff["front_desk"], patient, clinic.day, 9)

    def cost(url):
        client.get(url)  # warm: the session and the user's caches
        with CaptureQueriesContext(connection) as queries, ModelsBuilt() as built:
            response = client.get(url)
        return len(queries), built.count, response.content.decode().count('class="appt')

    few = [cost(url) for url in urls]
    for offset in range(1, 5):
        for hour in (9, 12):
            another = make_patient(org, 600 + offset * 10 + hour)
            book(clinic, staff["front_desk"], another, clinic.day + dt.timedelta(days=offset), hour)
    many = [cost(url) for url in urls]
    assert [appointments for *_, appointments in many] == [9, 9]
    assert [(queries, built) for queries, built, _ in many] == [(queries, built) for queries, built, _ in few]


def test_the_week_shows_each_days_hours_and_closures_as_they_are_now(signed_in, clinic, staff, patient):
    """The calendar's reads keep their SQL between requests, never their answers: what changed between two
    requests (hours, a closed date, a chair, a booking) shows on the second."""
    client = signed_in(staff["front_desk"])
    url = calendar_url(clinic, date=clinic.day.isoformat(), view="week")
    first = client.get(url).content.decode()
    assert first.count("open 08:00–18:00") == 7 and "Room 3" in first and "Closed" not in first
    OpeningHours.objects.filter(location=clinic.location, weekday=1).update(opens_at=dt.time(9, 30))
    OpeningHours.objects.filter(location=clinic.location, weekday=2).delete()
    ClosedDate.objects.create(location=clinic.location, date=clinic.day + dt.timedelta(days=3), reason="Training")
    ClosedDate.objects.create(location=clinic.location, date=clinic.day + dt.timedelta(days=4))
    Chair.objects.filter(pk=clinic.chair3.pk).update(is_active=False)
    book(clinic, staff["front_desk"], patient, clinic.day + dt.timedelta(days=5), 9, chair_id=clinic.chair2.pk)
    html = client.get(url).content.decode()
    days = html.split('<section class="cal-day">')[1:]
    assert [day.split("<h2>")[1].split("\n")[0].strip() for day in days] == [
        (clinic.day + dt.timedelta(days=offset)).strftime("%A %-d %B %Y") for offset in range(7)
    ]
    assert "open 08:00–18:00" in days[0] and "open 09:30–18:00" in days[1]
    assert '<span class="badge">Closed</span>' in days[2]  # no hours that weekday
    assert "Closed: Training" in days[3] and "Closed" in days[4] and "open" not in days[3] + days[4]
    assert "Room 3" not in html and days[5].count("<td>") == 3  # two chairs and "no chair"
    saturday_cells = days[5].split("<td>")[1:]
    assert "09:00–10:40" in saturday_cells[1] and "Pat1 Example1" in saturday_cells[1]


def test_the_location_calendar_builds_no_sql_per_request(clinic, staff, patient, sql_built_for):
    """Its reads' SQL is built once per connection (lib/fixed_reads.py): building it from querysets cost more
    than the rest of the week's page (issue 19)."""
    book(clinic, staff["front_desk"], patient, clinic.day, 9)
    user = staff["front_desk"]

    def read_week():
        location = access_location_by_id(user, clinic.location.pk)
        return location_calendar(user, location, clinic.day, 7)

    read_week()
    sql_built_for.clear()
    calendar = read_week()
    assert sql_built_for == []
    assert [entry.patient_name for day in calendar.days for column in day.columns for entry in column] == [
        "Pat1 Example1"
    ]
    assert calendar.location.organisation is user.organisation  # the user's own, not read again


def test_a_location_id_no_row_can_have_is_not_found(signed_in, clinic, staff):
    url = reverse("scheduling:location_calendar", args=[2**63])
    assert signed_in(staff["front_desk"]).get(url).status_code == 404


def test_calendar_does_not_audit_each_patient_but_opening_an_appointment_does(signed_in, clinic, staff, patient):
    appointment = book(clinic, staff["front_desk"], patient, clinic.day, 9)
    client = signed_in(staff["nurse"])
    before = AuditEntry.objects.count()
    client.get(calendar_url(clinic, date=clinic.day.isoformat()))
    assert AuditEntry.objects.count() == before
    assert client.get(reverse("scheduling:appointment_detail", args=[appointment.pk])).status_code == 200
    entry = AuditEntry.objects.order_by("-sequence").first()
    assert (entry.action, entry.patient_id) == ("view", patient.pk)


def test_staff_calendar_lists_their_appointments_and_shifts(signed_in, clinic, staff, patient):
    book(clinic, staff["front_desk"], patient, clinic.day, 10, kind=AppointmentKind.INTEGRATION)
    url = reverse("scheduling:staff_calendar", args=[staff["therapist"].pk])
    html = signed_in(staff["front_desk"]).get(f"{url}?date={clinic.day.isoformat()}&view=day").content.decode()
    assert "Integration therapy" in html and "Harbor Boston 09:00–17:00" in html
    assert reverse("patients:detail", args=[patient.pk]) in html


def test_other_organisation_gets_404_and_patients_403(signed_in, clinic, other_staff, patient):
    assert signed_in(other_staff["nurse"]).get(calendar_url(clinic)).status_code == 404
    staff_url = reverse("scheduling:staff_calendar", args=[patient.user.pk])
    assert signed_in(other_staff["nurse"]).get(staff_url).status_code == 404
    assert signed_in(patient.user).get(calendar_url(clinic)).status_code == 403


def test_bad_calendar_parameters_fall_back_to_this_week(signed_in, clinic, staff):
    response = signed_in(staff["nurse"]).get(calendar_url(clinic, date="not-a-date", view="month"))
    assert response.status_code == 200


def test_far_off_dates_show_this_week(signed_in, clinic, staff):
    for date in ("9999-12-31", "0001-01-01"):
        assert signed_in(staff["nurse"]).get(calendar_url(clinic, date=date)).status_code == 200
        url = reverse("scheduling:staff_calendar", args=[staff["nurse"].pk])
        assert signed_in(staff["nurse"]).get(f"{url}?date={date}&view=day").status_code == 200
