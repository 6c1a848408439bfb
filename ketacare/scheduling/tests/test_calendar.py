"""Location and staff calendars: chairs as columns, local times, htmx navigation, constant queries."""

import datetime as dt

from django.db import connection
from django.db.models.signals import post_init
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.audit.models import AuditEntry
from ketacare.scheduling.actions import booking
from ketacare.scheduling.models import AppointmentKind
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
