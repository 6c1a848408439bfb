import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from ketacare.accounts.domain.roles import Role
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.management.commands.seed_demo import DEMO_PASSWORD, DEMO_SEED
from ketacare.clinics.models import ClinicPage, Location, Organisation
from ketacare.inquiries.models import Inquiry, InquiryStatus, PreferredWindow
from ketacare.patients.models import CareStage, Patient
from ketacare.scheduling.models import Chair

pytestmark = pytest.mark.django_db


class Rollback(Exception):
    pass


def seed(capsys=None) -> str:
    call_command("seed_demo")
    return capsys.readouterr().out if capsys else ""


def counts() -> dict:
    models = [Organisation, Location, Chair, get_user_model(), Patient, Inquiry, PreferredWindow, ClinicPage,
              AuditEntry]
    return {model.__name__: model.objects.count() for model in models}


def test_it_builds_the_demo_clinic(capsys):
    """One seeding (it takes a while), checked part by part."""
    out = seed(capsys)

    check_organisation_locations_and_chairs()
    check_logins(out)
    check_patients()
    check_consultation_requests()
    check_pages()


def check_organisation_locations_and_chairs():
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.slug) == ("Harbor Ketamine Clinic", "harbor")
    assert organisation.demo_seed == DEMO_SEED
    zones = {location.name: location.time_zone for location in organisation.locations.all()}
    assert zones == {"Portland": "America/Los_Angeles", "Boston": "America/New_York"}
    assert Chair.objects.filter(location__name="Portland").count() == 4
    assert Chair.objects.filter(location__name="Boston").count() == 3
    assert Chair.objects.filter(supports_esketamine=True).exists()


def check_logins(out: str):
    users = get_user_model().objects.all()
    assert {user.role for user in users} == {role.value for role in Role}
    for username in ["frontdesk", "nurse", "prescriber", "therapist", "admin", "nurse2", "prescriber2", "patient"]:
        assert users.get(username=username).check_password(DEMO_PASSWORD), username
        assert username in out
    assert users.get(username="admin").role == Role.CLINIC_ADMIN
    assert Patient.objects.get(user__username="patient").organisation.slug == "harbor"
    assert DEMO_PASSWORD in out


def check_patients():
    patients = Patient.objects.all()
    assert patients.count() == 40
    assert set(patients.values_list("stage", flat=True)) == set(CareStage.values)
    assert not patients.filter(home_location__isnull=True).exists()
    assert all(p.phone.startswith(("+1503555", "+1617555")) for p in patients)
    # Registered through the action, so every record's creation is audited.
    created = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="patients.patient")
    assert set(created.values_list("patient_id", flat=True)) == set(patients.values_list("pk", flat=True))
    assert {entry.actor.username for entry in created} == {"frontdesk"}
    assert patients.filter(diagnoses__icd10_code="F33.2").exists()
    assert patients.filter(medications__isnull=False).exists()
    assert patients.filter(allergies__isnull=False).exists()
    # One to three over the past weeks, plus one taken the day before a booked course starts.
    assert all(1 <= p.weights.count() <= 4 for p in patients)


def check_consultation_requests():
    inquiries = Inquiry.objects.all()
    assert 10 <= inquiries.count() <= 14
    assert inquiries.filter(status=InquiryStatus.NEW).count() > inquiries.count() / 2
    assert inquiries.exclude(status=InquiryStatus.NEW).exists()
    for inquiry in inquiries.prefetch_related("windows").select_related("preferred_location"):
        assert inquiry.windows.all(), inquiry
        for window in inquiry.windows.all():
            assert window.starts_at.utcoffset().total_seconds() == 0
            local = window.starts_at.astimezone(zoneinfo.ZoneInfo(inquiry.preferred_location.time_zone))
            assert 9 <= local.hour <= 15  # daytime on the location's clock


def check_pages():
    titles = set(ClinicPage.objects.filter(is_published=True).values_list("title", flat=True))
    assert {"What is ketamine therapy", "Who it may help", "What to expect", "Safety",
            "Preparing for your session"} <= titles
    assert "988" in ClinicPage.objects.get(slug="safety").body


def test_running_it_again_changes_nothing(capsys):
    seed()
    before = counts()
    capsys.readouterr()

    out = seed(capsys)

    assert "demo data already present" in out
    assert counts() == before


def test_it_builds_the_same_clinic_every_time():
    def people():
        return list(Patient.objects.order_by("record_number").values_list(
            "first_name", "last_name", "date_of_birth", "stage", "home_location__name"))

    with pytest.raises(Rollback), transaction.atomic():
        seed()
        first = people()
        raise Rollback
    assert not Organisation.objects.exists()

    seed()
    assert people() == first


def test_logins_only_prints_the_table(capsys):
    call_command("seed_demo", "--logins")

    out = capsys.readouterr().out
    assert "prescriber2" in out and DEMO_PASSWORD in out
    assert not Organisation.objects.exists()


def test_it_books_induction_courses_stocks_the_cabinets_and_certifies_for_rems():
    from ketacare.ledger.models import Vial
    from ketacare.rems.models import RemsCertification
    from ketacare.scheduling.models import Appointment, Course, WaitlistEntry

    seed()

    courses = Course.objects.all()
    assert courses.count() == 4
    for course in courses:
        appointments = Appointment.objects.filter(course=course).order_by("starts_at")
        assert appointments.count() == course.plan.sessions.count() == 6
        assert all(a.location_id == course.patient.home_location_id and a.chair for a in appointments)
    assert WaitlistEntry.objects.filter(status="waiting").count() == 2
    for location in Location.objects.all():
        assert Vial.objects.filter(location=location).count() == 6
        assert RemsCertification.objects.filter(location=location).exists()
