"""The day list and the session page through HTTP: htmx steps, errors on the form, PDF, access."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.audit.models import AuditEntry
from ketacare.clinics.models import Location
from ketacare.scheduling.models import Appointment, AppointmentKind
from ketacare.treatments import actions
from ketacare.treatments.models import SessionStatus, TreatmentSession, TreatmentSettings
from ketacare.treatments.tests.conftest import checked_in, vitals

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}


def test_day_list_and_start(client, staff, iv_world, portland, signed_in):
    signed_in(staff["nurse"])
    page = client.get("/sessions/", {"location": portland.pk})
    assert page.status_code == 200 and b"Start session" in page.content
    response = client.post(f"/sessions/start/{iv_world['appointment'].pk}/")
    session = TreatmentSession.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/sessions/{session.pk}/"
    assert b"Open" in client.get("/sessions/", {"location": portland.pk}).content
    assert AuditEntry.objects.filter(action="list", object_type="treatments.daylist").exists()


def test_the_day_list_reads_only_what_its_rows_show_and_no_query_per_row(
    client, staff, iv_world, portland, patient, second_patient, make_session_appointment, signed_in
):
    """Issue 19: building a query costs per selected column, so the rows are read with the columns they show
    (not the patient's contacts or the appointment's notes), and nothing shown is read again per row."""
    signed_in(staff["nurse"])
    actions.do_start_session(staff["nurse"], iv_world["appointment"].pk)
    client.get("/sessions/", {"location": portland.pk})  # what a first request reads once (session, caches)
    with CaptureQueriesContext(connection) as one_row:
        page = client.get("/sessions/", {"location": portland.pk})
    assert patient.record_number in page.content.decode()
    [appointments_read] = [query["sql"] for query in one_row if 'FROM "scheduling_appointment"' in query["sql"]]
    assert '"patients_patient"."last_name"' in appointments_read
    assert '"patients_patient"."email"' not in appointments_read
    assert '"scheduling_appointment"."notes"' not in appointments_read
    make_session_appointment(second_patient, portland, AppointmentKind.IV_INFUSION, staff["front_desk"])
    with CaptureQueriesContext(connection) as two_rows:
        page = client.get("/sessions/", {"location": portland.pk})
    assert second_patient.record_number in page.content.decode() and b"Open" in page.content
    assert len(two_rows) == len(one_row)


def test_the_day_lists_reads_are_built_once_per_connection(client, staff, iv_world, portland, signed_in, sql_built_for):
    """Issue 19: the locations, the day's appointments and their sessions are FixedReads (lib/fixed_reads.py):
    after the first request the ORM builds none of their SQL again, and each request still asks the database.
    The nurse works at Portland, as the clinic's staff do: her home location comes with her session."""
    staff["nurse"].home_location = portland
    staff["nurse"].save(update_fields=["home_location"])
    signed_in(staff["nurse"])
    client.get("/sessions/", {"location": portland.pk})
    sql_built_for.clear()
    session = actions.do_start_session(staff["nurse"], iv_world["appointment"].pk)
    sql_built_for.clear()
    page = client.get("/sessions/", {"location": portland.pk}).content.decode()
    assert f'href="/sessions/{session.pk}/">Open · Checked in</a>' in page
    assert not {Location, Appointment, TreatmentSession} & set(sql_built_for)


def test_the_day_list_shows_each_rows_live_session_and_never_a_cancelled_one(
    client, staff, iv_world, portland, signed_in
):
    """Issue 19: the sessions are read as values and the cancelled ones left out in Python, so a row whose session
    was cancelled offers to start again, and a new session is the one it opens."""
    signed_in(staff["nurse"])
    first = actions.do_start_session(staff["nurse"], iv_world["appointment"].pk)
    page = client.get("/sessions/", {"location": portland.pk}).content.decode()
    assert f'href="/sessions/{first.pk}/">Open · Checked in</a>' in page and "Start session" not in page
    actions.do_cancel_session(staff["nurse"], first.pk, reason="Patient unwell today")
    page = client.get("/sessions/", {"location": portland.pk}).content.decode()
    assert "Start session" in page and f"/sessions/{first.pk}/" not in page
    second = actions.do_start_session(staff["nurse"], iv_world["appointment"].pk)
    page = client.get("/sessions/", {"location": portland.pk}).content.decode()
    assert f'href="/sessions/{second.pk}/">Open · Checked in</a>' in page and f"/sessions/{first.pk}/" not in page


@pytest.mark.parametrize("location", ["²", "0" * 30, "-1", "x"])
def test_day_list_ignores_a_location_that_is_no_id(client, staff, iv_world, signed_in, location):
    """ "²" is a digit to str.isdigit() but no number to int(): the first location is shown, no error."""
    signed_in(staff["nurse"])
    first = client.get("/sessions/").context["location"]
    page = client.get("/sessions/", {"location": location})
    assert page.status_code == 200 and page.context["location"] == first


def test_steps_through_htmx(client, staff, iv_world, clock, password, pdf_text, signed_in):
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    signed_in(nurse)
    session = actions.do_start_session(nurse, iv_world["appointment"].pk)
    url = f"/sessions/{session.pk}/step/"
    page = client.get(f"/sessions/{session.pk}/")
    assert page.status_code == 200 and b"pre-session checklist" in page.content
    assert b"None due today" in page.content

    # Checklist with an implausible weight: the field is named, nothing saved.
    bad = client.post(url + "checklist/", {"check_identity": "on", "check_weight": "on", "weight_kg": "900"}, **HX)
    assert bad.status_code == 200 and b"weight" in bad.content.lower() and not session.checks.exists()
    client.post(
        url + "checklist/",
        {
            f"check_{i}": "on"
            for i in ("identity", "questionnaires", "weight", "fasting", "driver", "interacting_medicines")
        }
        | {"weight_kg": "70"},
        **HX,
    )
    assert session.checks.filter(passed=True).count() == 5  # today's questionnaires: derived at "checks done"
    client.post(
        url + "vitals/", {"systolic_mmhg": 160, "diastolic_mmhg": 95, "heart_rate_bpm": 80, "spo2_percent": 98}, **HX
    )
    held = client.post(url + "prechecks/", **HX)
    assert b"HELD" in held.content and TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.HELD
    # The nurse cannot override.
    assert client.post(url + "override/", {"reason": "x"}, **HX).status_code == 403
    signed_in(prescriber)
    client.post(url + "override/", {"reason": "Rechecked after rest; anxious"}, **HX)
    assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.PRECHECKS_DONE
    signed_in(nurse)
    # The second checker signs in on the form: a wrong password is refused on its field.
    check = {"checker_username": prescriber.username, "checker_password": password}
    page = client.post(url + "dose/", {"vial_id": iv_world["vial"].pk, **check, "checker_password": "no"}, **HX)
    assert b"password is not right" in page.content and not session.preparations.exists()
    page = client.post(url + "dose/", {"vial_id": iv_world["vial"].pk, **check}, **HX)
    assert b"35 mg" in page.content and b"0.7 mL" in page.content
    page = client.post(
        url + "waste/",
        {
            "preparation": session.preparations.get().pk,
            "quantity_mg": "465",
            "witness": prescriber.pk,
            "witness_password": "nope",
            "reason": "Rest",
        },
        **HX,
    )
    assert b"password is not right" in page.content
    client.post(
        url + "waste/",
        {
            "preparation": session.preparations.get().pk,
            "quantity_mg": "465",
            "witness": prescriber.pk,
            "witness_password": password,
            "reason": "Rest",
        },
        **HX,
    )
    assert session.preparations.get().wasted_mg == Decimal("465")
    client.post(url + "start/", **HX)
    prompts = client.get(f"/sessions/{session.pk}/prompts/")
    assert b"Vital signs due: 0-minute check" in prompts.content and b"every 30s" in prompts.content
    page = client.post(url + "rating/", {"moaas-instrument": "moaas", "moaas-item_1": "4"}, **HX)
    assert b"MOAA/S <strong>4</strong>" in page.content
    page = client.post(
        url + "adverse_event/", {"kind": "nausea", "severity": "mild", "action_taken": "", "rescue_medicine": ""}, **HX
    )
    assert b"action_taken" in page.content or b"This field is required" in page.content
    client.post(
        url + "adverse_event/",
        {
            "kind": "nausea",
            "severity": "mild",
            "action_taken": "Ondansetron given",
            "rescue_medicine": "Ondansetron",
            "rescue_dose_mg": "4",
        },
        **HX,
    )
    assert session.adverse_events.get().rescue_dose_mg == Decimal("4")
    # Discharge too early: each missing criterion named, still observing.
    client.post(url + "stop/", **HX)
    page = client.post(url + "discharge/", {"alert": "on"}, **HX)
    assert b"Walking steadily" in page.content and b"Minimum observation" in page.content
    assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.OBSERVING
    pdf = client.get(f"/sessions/{session.pk}/record.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = pdf_text(pdf.content)
    assert b"Hold overridden" in text and b"Rechecked after rest" in text and b"Ondansetron" in text
    assert AuditEntry.objects.filter(action="export", object_id=str(session.pk)).exists()


def test_access(client, staff, other_staff, iv_world, clock, signed_in):
    session = checked_in(staff["nurse"], iv_world["appointment"])
    vitals(session, staff["nurse"])
    signed_in(staff["therapist"])
    assert client.get(f"/sessions/{session.pk}/").status_code == 200  # may read
    assert client.post(f"/sessions/{session.pk}/step/vitals/", {"systolic_mmhg": 120}).status_code == 403
    signed_in(staff["front_desk"])
    assert client.get(f"/sessions/{session.pk}/").status_code == 403
    assert client.get("/sessions/").status_code == 403
    signed_in(other_staff["nurse"])
    assert client.get(f"/sessions/{session.pk}/").status_code == 404
    assert client.get(f"/sessions/{session.pk}/record.pdf").status_code == 404
    assert client.get(f"/sessions/{session.pk}/prompts/").status_code == 404
    assert client.post(f"/sessions/start/{iv_world['appointment'].pk}/").status_code == 404
    signed_in(staff["nurse"])
    assert client.post(f"/sessions/{session.pk}/step/nonsense/").status_code == 404
    assert client.get(f"/sessions/patients/{session.patient_id}/vitals/").status_code == 200


def test_settings_page(client, staff, org, signed_in):
    signed_in(staff["nurse"])
    assert client.get("/sessions/settings/").status_code == 403
    signed_in(staff["clinic_admin"])
    assert client.get("/sessions/settings/").status_code == 200
    # REMS: esketamine observation cannot go under 2 hours; nothing saved.
    bad = client.post(
        "/sessions/settings/",
        {
            "vitals_tolerance_min": 5,
            "esketamine_min_observation_min": 60,
            "post_dose_observation_min": 30,
            "discharge_max_heart_rate_bpm": 110,
            "discharge_min_spo2_percent": 94,
        },
    )
    assert bad.status_code == 422 and not TreatmentSettings.objects.exists()
    client.post(
        "/sessions/settings/",
        {
            "vitals_tolerance_min": 10,
            "esketamine_min_observation_min": 120,
            "post_dose_observation_min": 45,
            "risk_lookback_days": 14,
            "discharge_max_heart_rate_bpm": 110,
            "discharge_min_spo2_percent": 94,
            "pregnancy_test_required": "on",
        },
    )
    saved = TreatmentSettings.for_organisation(org)
    assert saved.vitals_tolerance_min == 10 and saved.post_dose_observation_min == 45 and saved.pregnancy_test_required
    assert saved.risk_lookback_days == 14


def test_esketamine_devices_on_the_page(
    client,
    staff,
    patient,
    iv_world,
    clock,
    no_start_checks,
    receive,
    signed_in,
    password,
    make_session_appointment,
    make_treatment_plan,
):
    """The device button with the rest timer; the second device refused during the rest (the REMS
    check before each device is tested with the REMS)."""
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    location = iv_world["appointment"].location
    make_treatment_plan(patient, "esketamine-nasal", prescriber)
    appointment = make_session_appointment(patient, location, AppointmentKind.ESKETAMINE, staff["front_desk"])
    kit = receive(nurse, location, iv_world["esketamine_product"], lot="SPR-9")[0].vial
    session = actions.do_start_session(nurse, appointment.pk)
    actions.do_record_checklist(
        nurse,
        session.pk,
        answers=dict.fromkeys(("identity", "questionnaires", "fasting", "driver", "interacting_medicines"), True),
    )
    vitals(session, nurse)
    actions.do_complete_prechecks(nurse, session.pk)
    signed_in(nurse)
    url = f"/sessions/{session.pk}/step/"
    page = client.get(f"/sessions/{session.pk}/")
    assert b"56 mg (2 devices)" in page.content
    check = {"checker_username": prescriber.username, "checker_password": password}
    client.post(url + "dose/", {"vial_id": kit.pk, **check, "dose_mg": 56}, **HX)
    page = client.post(url + "device/", **HX)
    assert b"Rest: next device at" in page.content and b"1 of 2 devices" in page.content
    assert b"Rest: next device at" in client.get(f"/sessions/{session.pk}/prompts/").content
    clock.advance(2)
    page = client.post(url + "device/", **HX)
    assert b"Rest 5 minutes after each device" in page.content
    clock.advance(3)
    client.post(url + "device/", **HX)
    assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.OBSERVING
    page = client.get(f"/sessions/{session.pk}/")
    assert b"Minimum observation 120 min" in page.content and b"Record MOAA/S" in page.content
