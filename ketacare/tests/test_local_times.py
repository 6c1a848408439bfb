"""Every page that shows a time shows it in the right zone (ketacare/lib/zones.py), with the server in UTC.

Harbor's staff and patient belong to Harbor Portland (America/Los_Angeles); Harbor Boston
(America/New_York) is the alphabetically first location, the one pages used to fall back on.
A moment in the past is written at 17:37 UTC on 14 January 2026: 09:37 PST, 12:37 EST. A future
appointment starts at 08:15 Portland time on a winter Monday (16:15 UTC, 11:15 in Boston).
Each test asserts the wall-clock time the page must show and that the UTC (or the wrong zone's)
time does not appear.
"""

import datetime as dt
import re
from decimal import Decimal
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import ApiToken
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.actions import claims as claim_actions
from ketacare.billing.actions import insurance as insurance_actions
from ketacare.billing.actions.accounts import do_record_payment
from ketacare.candidacy import actions as candidacy_actions
from ketacare.consents import actions as consent_actions
from ketacare.consultations import actions as consultation_actions
from ketacare.consultations.actions import REQUIRED_TO_SIGN as CONSULTATION_NOTE_SIGNABLE
from ketacare.documents.actions import do_upload_document
from ketacare.documents.models import PatientDocument
from ketacare.fhir.smart.actions import do_register_smart_app
from ketacare.inquiries.models import Inquiry
from ketacare.measures import actions as measures_actions
from ketacare.measures.models import QuestionnaireAssignment
from ketacare.patients.models import WeightMeasurement
from ketacare.protocols.models import ProtocolTemplate, TreatmentPlan
from ketacare.rems.models import FormStatus, MonitoringForm
from ketacare.reports.letters import actions as letter_actions
from ketacare.scheduling.actions.resources import ensure_default_appointment_types
from ketacare.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentType,
    Chair,
    Course,
    OpeningHours,
    Skill,
    StaffException,
    StaffShift,
    StaffSkill,
)
from ketacare.testing.claims import insure, make_billing_settings, make_final_charge
from ketacare.testing.clinic import winter_monday
from ketacare.testing.stock import make_products, receive
from ketacare.therapy import actions as therapy_actions
from ketacare.treatments.models import TreatmentSession, VitalSign

LOS_ANGELES, NEW_YORK = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/New_York")
PAST = dt.datetime(2026, 1, 14, 17, 37, tzinfo=dt.UTC)  # 09:37 PST, 12:37 EST


def written_at(when: dt.datetime):
    """Within this block, `timezone.now()` (and so every auto_now field) is `when`."""
    return mock.patch.object(timezone, "now", return_value=when)


def future_start() -> dt.datetime:
    """08:15 in Portland on a winter Monday ahead (16:15 UTC)."""
    return dt.datetime.combine(winter_monday(), dt.time(8, 15), tzinfo=LOS_ANGELES)


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture(autouse=True)
def server_in_utc():
    assert settings.TIME_ZONE == "UTC"


@pytest.fixture
def portland(org):
    return org.locations.get(name="Harbor Portland")


@pytest.fixture
def boston(org):
    return org.locations.get(name="Harbor Boston")


@pytest.fixture
def harbor(org, staff, patient, portland):
    """Everyone of Harbor works at (or is a patient of) Portland."""
    for user in staff.values():
        user.home_location = portland
        user.save(update_fields=["home_location"])
    patient.home_location = portland
    patient.save(update_fields=["home_location"])
    ensure_default_appointment_types(org)
    return staff


def appointment_at(org, location, patient, starts_at, *, kind=AppointmentKind.IV_INFUSION, **fields):
    appointment_type = AppointmentType.objects.filter(organisation=org, kind=kind).first()
    return Appointment.objects.create(
        organisation=org,
        location=location,
        patient=patient,
        appointment_type=appointment_type,
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(minutes=100),
        created_by=fields.pop("created_by"),
        **fields,
    )


def plan_of(patient, prescriber) -> TreatmentPlan:
    template = ProtocolTemplate.objects.get(organisation=None, code="iv-racemic-ketamine", version=1)
    return TreatmentPlan.objects.create(
        patient=patient, template=template, status="active", start_date=dt.date(2026, 1, 5), created_by=prescriber
    )


# ---------------------------------------------------------------------------
# Scheduling


@pytest.fixture
def open_portland(org, harbor, portland):
    """Portland open every day 08:00–18:00 with an IV chair; its nurse and prescriber on shift then."""
    OpeningHours.objects.bulk_create(
        OpeningHours(location=portland, weekday=day, opens_at=dt.time(8), closes_at=dt.time(18)) for day in range(7)
    )
    Chair.objects.create(location=portland, name="Chair P", supports_iv=True, supports_esketamine=True)
    for role, skill in (("nurse", Skill.MONITOR), ("prescriber", Skill.CONSULT)):
        StaffSkill.objects.create(user=harbor[role], skill=skill)
        StaffShift.objects.bulk_create(
            StaffShift(user=harbor[role], location=portland, weekday=day, starts_at=dt.time(7), ends_at=dt.time(19))
            for day in range(7)
        )
    return portland


@pytest.fixture
def course_session(org, harbor, patient, open_portland):
    portland = open_portland
    course = Course.objects.create(
        organisation=org,
        patient=patient,
        appointment_type=AppointmentType.objects.get(organisation=org, kind=AppointmentKind.IV_INFUSION),
        location=portland,
        created_by=harbor["front_desk"],
    )
    return appointment_at(org, portland, patient, future_start(), course=course, created_by=harbor["front_desk"])


def test_course_page_lists_and_prefills_sessions_in_the_locations_time(signed_in, harbor, course_session):
    page = text_of(
        signed_in(harbor["front_desk"]).get(reverse("scheduling:course_detail", args=[course_session.course_id]))
    )
    assert "Times in America/Los_Angeles" in page
    assert re.search(r"\b08:15–09:55\b", page)
    assert 'name="start_time" value="08:15"' in page
    assert "16:15" not in page


def test_moving_a_course_session_with_its_prefilled_time_keeps_the_local_time(signed_in, harbor, course_session):
    client = signed_in(harbor["front_desk"])
    url = reverse("scheduling:course_detail", args=[course_session.course_id])
    prefilled = re.search(r'name="start_time" value="([0-9:]+)"', text_of(client.get(url))).group(1)
    next_day = winter_monday() + dt.timedelta(days=1)
    move = reverse("scheduling:course_session_move", args=[course_session.course_id, course_session.pk])
    response = client.post(move, {"start_date": next_day.isoformat(), "start_time": prefilled})
    assert response.status_code == 302, re.findall(r"errorlist[^<]*<", response.content.decode())
    course_session.refresh_from_db()
    assert course_session.starts_at == dt.datetime.combine(next_day, dt.time(8, 15), tzinfo=LOS_ANGELES)


@pytest.mark.django_db(transaction=True)
def test_browser_moving_a_course_session_to_another_day_keeps_its_local_time(
    page, live_server, harbor, course_session, browser_sign_in
):
    """The story of the fault: the Move form was pre-filled with the UTC time, so changing only the date
    moved the session 8 hours. Run alone: pytest -p no:xdist -k browser ketacare/tests/test_local_times.py"""
    from playwright.sync_api import expect

    base = live_server.url
    page.set_default_timeout(20000)
    browser_sign_in(page, base, harbor["front_desk"])
    page.goto(f"{base}{reverse('scheduling:course_detail', args=[course_session.course_id])}")
    row = page.locator(f"#session-{course_session.pk}")
    expect(row).to_contain_text("08:15–09:55")
    expect(row.locator("input[name=start_time]")).to_have_value("08:15")
    next_day = winter_monday() + dt.timedelta(days=1)
    row.locator("input[name=start_date]").fill(next_day.isoformat())
    row.get_by_role("button", name="Move").click()
    expect(page.locator(".messages")).to_contain_text("the rest of the course still fits")
    expect(page.locator(f"#session-{course_session.pk}")).to_contain_text(
        f"{next_day:%a} {next_day.day} {next_day:%b %Y} 08:15"
    )
    course_session.refresh_from_db()
    assert course_session.starts_at == dt.datetime.combine(next_day, dt.time(8, 15), tzinfo=LOS_ANGELES)


def test_appointment_page_and_its_move_form_show_the_locations_time(signed_in, harbor, course_session):
    page = text_of(
        signed_in(harbor["front_desk"]).get(reverse("scheduling:appointment_detail", args=[course_session.pk]))
    )
    assert "08:15–09:55" in page
    assert 'value="08:15"' in page
    assert "16:15" not in page


def test_location_week_calendar_shows_the_locations_time(signed_in, harbor, course_session, portland):
    url = reverse("scheduling:location_calendar", args=[portland.pk]) + f"?date={winter_monday().isoformat()}"
    page = text_of(signed_in(harbor["front_desk"]).get(url))
    assert "08:15–09:55" in page
    assert "16:15" not in page


def test_staff_calendar_shows_the_staff_members_home_location_time(signed_in, org, harbor, patient, portland):
    prescriber = harbor["prescriber"]
    appointment_at(org, portland, patient, future_start(), clinician=prescriber, created_by=harbor["front_desk"])
    url = reverse("scheduling:staff_calendar", args=[prescriber.pk]) + f"?date={winter_monday().isoformat()}"
    page = text_of(signed_in(harbor["front_desk"]).get(url))
    assert "times in America/Los_Angeles" in page
    assert "08:15–09:55 PST" in page
    assert "11:15" not in page  # New York, the organisation's first location by name
    assert "16:15" not in page


def test_staff_page_shows_leave_in_the_home_zone_and_extra_hours_in_their_locations(signed_in, harbor, boston):
    nurse = harbor["nurse"]
    StaffException.objects.create(user=nurse, starts_at=PAST, ends_at=PAST + dt.timedelta(hours=8), reason="dentist")
    extra = PAST + dt.timedelta(days=7)
    StaffException.objects.create(
        user=nurse, location=boston, is_available=True, starts_at=extra, ends_at=extra + dt.timedelta(hours=2)
    )
    page = text_of(signed_in(harbor["clinic_admin"]).get(reverse("scheduling:staff_resources", args=[nurse.pk])))
    assert "Leave: 2026-01-14 09:37 PST – 2026-01-14 17:37 PST" in page
    assert "2026-01-21 12:37 EST – 2026-01-21 14:37 EST" in page
    assert "2026-01-14 17:37 UTC" not in page


def test_staff_page_offers_the_home_location_for_new_leave(signed_in, harbor, portland):
    page = text_of(
        signed_in(harbor["clinic_admin"]).get(reverse("scheduling:staff_resources", args=[harbor["nurse"].pk]))
    )
    assert f'<option value="{portland.pk}" selected>' in page


def test_portal_schedule_shows_the_appointments_location_time(client, harbor, patient, course_session):
    client.force_login(patient.user)
    page = text_of(client.get(reverse("scheduling:portal_schedule")))
    assert "8:15 AM PST" in page
    assert "4:15 PM" not in page


# ---------------------------------------------------------------------------
# Treatment sessions


@pytest.fixture
def treated(org, harbor, patient, portland):
    """A session at Portland checked in at 09:37 Portland time, with one set of vitals then."""
    nurse = harbor["nurse"]
    plan = plan_of(patient, harbor["prescriber"])
    session = TreatmentSession.objects.create(
        organisation=org,
        location=portland,
        patient=patient,
        plan=plan,
        template=plan.template,
        route="iv",
        drug="ketamine_racemic",
        monitoring_clinician=nurse,
        checked_in_at=PAST,
        created_by=nurse,
    )
    VitalSign.objects.create(
        session=session,
        phase="pre_dose",
        recorded_at=PAST,
        systolic_mmhg=128,
        diastolic_mmhg=80,
        heart_rate_bpm=72,
        spo2_percent=98,
        recorded_by=nurse,
    )
    return session


def test_day_list_opens_on_the_users_own_location_in_its_time(signed_in, org, harbor, patient, portland):
    today = timezone.now().astimezone(LOS_ANGELES).date()
    appointment_at(
        org,
        portland,
        patient,
        dt.datetime.combine(today, dt.time(9, 37), tzinfo=LOS_ANGELES),
        created_by=harbor["nurse"],
    )
    page = text_of(signed_in(harbor["nurse"]).get(reverse("treatments:day")))
    assert "Sessions · Harbor Portland" in page  # not Harbor Boston, the first by name
    assert ">09:37<" in page


def test_session_chart_shows_the_locations_time(signed_in, harbor, treated):
    page = text_of(signed_in(harbor["nurse"]).get(reverse("treatments:session", args=[treated.pk])))
    assert "09:37" in page
    assert "17:37" not in page


def test_vitals_across_sessions_name_their_zone(signed_in, harbor, treated, patient):
    page = text_of(signed_in(harbor["nurse"]).get(reverse("treatments:patient_vitals", args=[patient.pk])))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page


# ---------------------------------------------------------------------------
# Lists where two zones meet


def test_inbox_shows_every_row_in_the_viewers_zone_with_its_name(signed_in, org, harbor, boston, portland):
    for location, name in ((boston, "Bea"), (portland, "Pia")):
        with written_at(PAST):
            Inquiry.objects.create(
                organisation=org,
                first_name=name,
                last_name="Query",
                date_of_birth="1990-01-01",
                email=f"{name}@example.org",
                consent_to_contact=True,
                preferred_location=location,
                time_zone=location.time_zone,
            )
    page = text_of(signed_in(harbor["front_desk"]).get(reverse("inquiries:inbox")))
    assert page.count("Wed 14 Jan, 9:37 PST") == 2
    assert "12:37 EST" not in page


@pytest.fixture
def audited_view(harbor, patient):
    with written_at(PAST):
        return record_event(harbor["nurse"], AuditAction.VIEW, patient, patient=patient)


def test_audit_trail_shows_the_viewers_zone(signed_in, harbor, audited_view):
    page = text_of(signed_in(harbor["clinic_admin"]).get(reverse("reports:audit_list")))
    assert "2026-01-14 09:37:00 PST" in page
    assert "12:37:00 EST" not in page


def test_patient_access_history_shows_the_viewers_zone(signed_in, harbor, audited_view, patient):
    page = text_of(signed_in(harbor["clinic_admin"]).get(reverse("patient_access:history", args=[patient.pk])))
    assert "2026-01-14 09:37:00 PST" in page
    assert "12:37:00 EST" not in page


def test_a_chosen_zone_wins_on_pages_not_about_one_location(signed_in, harbor, audited_view):
    admin = harbor["clinic_admin"]
    client = signed_in(admin)
    response = client.post(reverse("accounts:preferences"), {"time_zone": "Pacific/Honolulu", "home_location": ""})
    assert response.status_code == 302
    page = text_of(client.get(reverse("reports:audit_list")))
    assert "2026-01-14 07:37:00 HST" in page


def test_preferences_refuse_an_unknown_zone_and_change_nothing(signed_in, harbor):
    admin = harbor["clinic_admin"]
    response = signed_in(admin).post(
        reverse("accounts:preferences"), {"time_zone": "Mars/Olympus", "home_location": ""}
    )
    assert response.status_code == 200 and "Select a valid choice" in response.content.decode()
    admin.refresh_from_db()
    assert admin.time_zone == "" and admin.home_location is not None


def test_api_tokens_page_shows_the_viewers_zone(signed_in, harbor):
    nurse = harbor["nurse"]
    with written_at(PAST):
        ApiToken.objects.create(user=nurse, name="script", token_sha256="0" * 64, prefix="kc_abcde")
    page = text_of(signed_in(nurse).get(reverse("accounts:tokens")))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page


def test_a_smart_apps_page_shows_its_registration_in_the_viewers_zone(signed_in, harbor):
    admin = harbor["clinic_admin"]
    with written_at(PAST):
        smart_app, _ = do_register_smart_app(
            admin, name="App", redirect_uris="https://a.example/cb", client_type="public", allowed_scopes="user/*.rs"
        )
    page = text_of(signed_in(admin).get(reverse("smart_apps:detail", args=[smart_app.pk])))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page


def test_clinic_pages_list_shows_the_viewers_zone(signed_in, org, harbor):
    with written_at(PAST):
        org.pages.create(slug="safety", title="Safety", body="Blood pressure is checked.")
    page = text_of(signed_in(harbor["clinic_admin"]).get(reverse("clinics:pages_manage")))
    assert "14 Jan 2026, 09:37" in page
    assert "17:37" not in page


def test_staff_list_and_page_show_the_last_sign_in_in_the_viewers_zone(signed_in, harbor):
    nurse = harbor["nurse"]
    type(nurse).objects.filter(pk=nurse.pk).update(last_login=PAST)
    admin = signed_in(harbor["clinic_admin"])
    for url in (reverse("staff:list"), reverse("staff:detail", args=[nurse.pk])):
        page = text_of(admin.get(url))
        assert "2026-01-14 09:37 PST" in page
        assert "17:37" not in page


# ---------------------------------------------------------------------------
# A patient's chart (the patient's home location)


def test_alerts_show_the_patients_time(signed_in, harbor, patient):
    with written_at(PAST):
        measures_actions.do_enter_response(harbor["prescriber"], patient, "phq9", dict(enumerate([1] * 9, 1)))
    page = text_of(signed_in(harbor["nurse"]).get(reverse("measures:alerts")))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page


def test_questionnaire_lists_show_the_patients_time(signed_in, harbor, patient):
    QuestionnaireAssignment.objects.create(
        patient=patient, instrument="phq9", due_at=future_start(), assigned_by=harbor["nurse"]
    )
    page = text_of(signed_in(harbor["nurse"]).get(reverse("measures:patient", args=[patient.pk])))
    assert f"{winter_monday().isoformat()} 08:15" in page
    assert "16:15" not in page


def test_assigning_a_questionnaire_reads_the_due_time_in_the_patients_zone(signed_in, harbor, patient):
    due = future_start().replace(tzinfo=None).isoformat(timespec="minutes")
    response = signed_in(harbor["nurse"]).post(
        reverse("measures:assign", args=[patient.pk]), {"instrument": "phq9", "due_at": due, "reason": "manual"}
    )
    assert response.status_code == 302
    assert QuestionnaireAssignment.objects.get(patient=patient).due_at == future_start()


def test_patient_page_shows_the_patients_time(signed_in, harbor, patient):
    with written_at(PAST):
        WeightMeasurement.objects.create(
            patient=patient, weight_kg=Decimal("70"), measured_on=dt.date(2026, 1, 14), recorded_by=harbor["nurse"]
        )
    page = text_of(signed_in(harbor["nurse"]).get(reverse("patients:detail", args=[patient.pk])))
    assert "2026-01-14 09:37" in page
    assert "17:37" not in page


def test_candidacy_page_shows_the_patients_time(signed_in, harbor, patient):
    with written_at(PAST):
        candidacy_actions.do_save_intake(harbor["nurse"], patient.pk, psychosis="none")
    page = text_of(signed_in(harbor["nurse"]).get(reverse("candidacy:detail", args=[patient.pk])))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page


def test_therapy_notes_show_the_patients_time(signed_in, harbor, patient):
    note = therapy_actions.do_create_progress_note(
        harbor["therapist"], patient.pk, session_at=PAST, duration_minutes=50
    )
    client = signed_in(harbor["therapist"])
    for url in (reverse("therapy:patient_notes", args=[patient.pk]), reverse("therapy:note_detail", args=[note.pk])):
        page = text_of(client.get(url))
        assert "2026-01-14 09:37" in page
        assert "17:37" not in page


def test_consultation_notes_and_letters_show_the_patients_time(signed_in, harbor, patient):
    with written_at(PAST):
        note = consultation_actions.do_create_consultation_note(
            harbor["prescriber"], patient.pk, **dict.fromkeys(CONSULTATION_NOTE_SIGNABLE, "Written")
        )
        consultation_actions.do_sign_consultation_note(harbor["prescriber"], note.pk)
        letter = letter_actions.do_create_referral_letter(harbor["prescriber"], patient.pk, recipient_name="Dr Rivera")
    client = signed_in(harbor["prescriber"])
    for url in (
        reverse("consultations:patient_notes", args=[patient.pk]),
        reverse("consultations:note_detail", args=[note.pk]),
        reverse("reports:letter_list", args=[patient.pk]),
        reverse("reports:letter_detail", args=[letter.pk]),
    ):
        page = text_of(client.get(url))
        assert "2026-01-14 09:37 PST" in page
        assert "17:37" not in page


def test_documents_show_when_they_were_added_in_the_patients_time(signed_in, harbor, patient):
    document = do_upload_document(
        harbor["front_desk"],
        patient.pk,
        upload=SimpleUploadedFile("referral.pdf", b"%PDF-1.4\n%%EOF\n"),
        category="referral",
        document_date=dt.date(2026, 1, 10),
        title="Referral letter",
    )
    PatientDocument.objects.filter(pk=document.pk).update(uploaded_at=PAST)
    page = text_of(signed_in(harbor["front_desk"]).get(reverse("documents:patient", args=[patient.pk])))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page


def test_consents_show_when_they_were_signed_and_revoked_in_the_patients_time(
    signed_in, harbor, patient, sign_consents_for_route
):
    with written_at(PAST):
        [consent] = sign_consents_for_route(patient, "iv", harbor["nurse"])
        consent_actions.do_revoke_consent(harbor["nurse"], consent.pk, reason="Withdrawn by phone")
    patient.user.last_login = PAST
    patient.user.save(update_fields=["last_login"])
    staff_client = signed_in(harbor["nurse"])
    pages = [
        text_of(staff_client.get(reverse("consents:patient", args=[patient.pk]))),
        # The chart's consents section and portal-account panel (signed, revoked, last sign-in).
        text_of(staff_client.get(reverse("patients:detail", args=[patient.pk]))),
        text_of(signed_in(patient.user).get(reverse("consents:portal_list"))),
    ]
    for page in pages:
        assert page.count("2026-01-14 09:37 PST") >= 2  # signed and revoked
        assert "17:37" not in page
    assert "last signed in 2026-01-14 09:37 PST" in pages[1]


# ---------------------------------------------------------------------------
# Ledger and REMS (the location's time)


def test_vial_page_lists_ledger_entries_in_the_locations_time(signed_in, harbor, portland):
    nurse = harbor["nurse"]
    ketamine, _ = make_products(harbor["clinic_admin"])
    with written_at(PAST):
        vial = receive(nurse, portland, ketamine)[0].vial
    page = text_of(signed_in(nurse).get(reverse("ledger:vial", args=[vial.pk])))
    assert "2026-01-14 09:37" in page
    assert "17:37" not in page


def test_rems_form_shows_when_it_was_finalised_in_the_locations_time(signed_in, org, harbor, patient, portland):
    form = MonitoringForm.objects.create(
        organisation=org,
        patient=patient,
        location=portland,
        created_by=harbor["nurse"],
        status=FormStatus.FINALISED,
        finalised_by=harbor["nurse"],
        finalised_at=PAST,
    )
    page = text_of(signed_in(harbor["nurse"]).get(reverse("rems:form_detail", args=[form.pk])))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page


def test_patient_account_shows_entries_in_the_viewers_zone(signed_in, harbor, patient):
    with written_at(PAST):
        do_record_payment(harbor["front_desk"], patient.pk, amount="20.00", method="cash")
    page = text_of(signed_in(harbor["billing"]).get(reverse("billing:account", args=[patient.pk])))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page


def test_claim_pages_show_times_in_the_viewers_zone(signed_in, harbor, patient, portland, medicare):
    billing = harbor["billing"]
    make_billing_settings(patient.organisation)
    insure(patient, medicare, billing)
    make_final_charge(patient, portland, billing, service_date=dt.date(2026, 1, 13))
    with written_at(PAST):
        claim = claim_actions.do_build_claims(billing)[0]
    client = signed_in(billing)
    for page in (reverse("billing:claims"), reverse("billing:claim", args=[claim.pk])):
        text = text_of(client.get(page))
        assert "2026-01-14 09:37 PST" in text
        assert "17:37" not in text


def test_insurance_page_shows_benefits_investigations_in_the_patients_zone(signed_in, harbor, patient, aetna_coverage):
    with written_at(PAST):
        insurance_actions.do_record_benefits_investigation(
            harbor["billing"], coverage_id=aetna_coverage.pk, result="pa_required"
        )
    page = text_of(signed_in(harbor["billing"]).get(reverse("billing:insurance_patient", args=[patient.pk])))
    assert "2026-01-14 09:37 PST" in page
    assert "17:37" not in page
