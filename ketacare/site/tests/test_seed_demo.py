import datetime as dt
import zoneinfo

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction

from ketacare.accounts.domain.roles import Role
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.models import ClinicPage, Location, Organisation
from ketacare.inquiries.models import Inquiry, InquiryStatus, PreferredWindow
from ketacare.ledger.models import EntryKind, LedgerEntry, Product, Registration, Vial
from ketacare.patients.models import Allergy, CareStage, Diagnosis, Medication, Patient, WeightMeasurement
from ketacare.protocols.models import TreatmentPlan
from ketacare.rems.models import RemsCertification
from ketacare.scheduling.models import (
    Appointment,
    AppointmentType,
    Chair,
    Course,
    OpeningHours,
    StaffShift,
    WaitlistEntry,
)
from ketacare.site.demo.organisation_and_staff import DEMO_PASSWORD, DEMO_SEED, VIA

pytestmark = pytest.mark.django_db

# What the demo writes through actions, each row with its own CREATE entry in the audit trail.
WRITTEN_BY_ACTIONS = [
    ClinicPage, Patient, Diagnosis, Allergy, Medication, WeightMeasurement, Inquiry, TreatmentPlan, Chair,
    StaffShift, AppointmentType, Course, Appointment, WaitlistEntry, Product, LedgerEntry, RemsCertification,
]  # fmt: skip


class Rollback(Exception):
    pass


def seed(capsys=None) -> str:
    call_command("seed_demo")
    return capsys.readouterr().out if capsys else ""


def counts() -> dict:
    models = [
        Organisation,
        Location,
        Chair,
        get_user_model(),
        Patient,
        Inquiry,
        PreferredWindow,
        ClinicPage,
        AuditEntry,
    ]
    return {model.__name__: model.objects.count() for model in models}


def test_it_builds_the_demo_clinic(capsys):
    """One seeding (it takes a while), checked part by part."""
    out = seed(capsys)

    check_organisation_locations_and_chairs()
    check_logins(out)
    check_patients()
    check_consultation_requests()
    check_courses_stock_and_rems_certification()
    check_pages()
    check_every_record_was_written_through_an_action()
    check_the_audit_and_ledger_chains_are_intact(capsys)


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
    assert {
        "What is ketamine therapy",
        "Who it may help",
        "What to expect",
        "Safety",
        "Preparing for your session",
    } <= titles
    assert "988" in ClinicPage.objects.get(slug="safety").body


def check_courses_stock_and_rems_certification():
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


def audit_entries(model, action: AuditAction):
    return AuditEntry.objects.filter(object_type=model._meta.label_lower, action=action).order_by("sequence")


def check_every_record_was_written_through_an_action():
    """Each action audits what it writes, so every row has its entry, by the staff member who wrote it;
    only the organisation, its locations and the logins (no action makes them) are marked as the seed's own."""
    for model in WRITTEN_BY_ACTIONS:
        created = set(audit_entries(model, AuditAction.CREATE).values_list("object_id", flat=True))
        assert created == {str(pk) for pk in model.objects.values_list("pk", flat=True)}, model.__name__
    outside_actions = AuditEntry.objects.filter(detail__via=VIA).values_list("object_type", flat=True)
    assert sorted(outside_actions) == sorted(
        ["clinics.organisation", "clinics.location", "clinics.location", "patients.patient"] + ["accounts.user"] * 8
    )
    # The public form's requests have no actor; everything else was done by a named staff member.
    anonymous = {(e.object_type, e.action) for e in AuditEntry.objects.filter(actor=None) if "via" not in e.detail}
    assert anonymous == {("inquiries.inquiry", AuditAction.CREATE.value)}

    for inquiry in Inquiry.objects.all():
        # Received when it was submitted: nothing moved the time afterwards.
        created = audit_entries(Inquiry, AuditAction.CREATE).get(object_id=str(inquiry.pk))
        assert abs(created.occurred_at - inquiry.submitted_at) < dt.timedelta(seconds=1)
        changes = audit_entries(Inquiry, AuditAction.STATUS_CHANGE).filter(object_id=str(inquiry.pk))
        expected = [] if inquiry.status == InquiryStatus.NEW else [("frontdesk", InquiryStatus.NEW, inquiry.status)]
        assert [(e.actor.username, e.detail["from"], e.detail["to"]) for e in changes] == expected
    for patient in Patient.objects.all():
        changes = audit_entries(Patient, AuditAction.STATUS_CHANGE).filter(object_id=str(patient.pk)).count()
        assert changes == (0 if patient.stage == CareStage.REGISTERED else 1), patient
    for plan in TreatmentPlan.objects.all():
        assert audit_entries(TreatmentPlan, AuditAction.STATUS_CHANGE).filter(object_id=str(plan.pk)).exists()

    # Opening hours and skills are audited on their location and person.
    location_changes = audit_entries(Location, AuditAction.UPDATE)
    for hours in OpeningHours.objects.all():
        details = location_changes.filter(object_id=str(hours.location_id)).values_list("detail", flat=True)
        assert any(str(hours.weekday) in detail.get("opening_hours", {}) for detail in details), hours
    for person in get_user_model().objects.filter(skills__isnull=False).distinct():
        last = audit_entries(get_user_model(), AuditAction.UPDATE).filter(object_id=str(person.pk)).last()
        assert last.actor.username == "admin"
        assert sorted(last.detail["skills"]) == sorted(person.skills.values_list("skill", flat=True))
    registrations = audit_entries(Registration, AuditAction.UPDATE).values_list("object_id", flat=True)
    assert set(registrations) == {str(pk) for pk in Registration.objects.values_list("pk", flat=True)}
    # Vials have no entries of their own: each came with its receipt in the ledger.
    assert not Vial.objects.exclude(entries__kind=EntryKind.RECEIPT).exists()


def check_the_audit_and_ledger_chains_are_intact(capsys):
    capsys.readouterr()
    call_command("audit", "verify")
    call_command("ledger", "verify")

    out = capsys.readouterr().out
    assert "audit chain intact" in out
    assert "ledger chain intact" in out


def test_running_it_again_changes_nothing(capsys):
    seed()
    before = counts()
    capsys.readouterr()

    out = seed(capsys)

    assert "demo data already present" in out
    assert counts() == before


def test_it_builds_the_same_clinic_every_time():
    def people():
        return list(
            Patient.objects.order_by("record_number").values_list(
                "first_name", "last_name", "date_of_birth", "stage", "home_location__name"
            )
        )

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
