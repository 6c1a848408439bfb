"""`ketacare seed-demo`: the demo clinic, seeded once for this module (it takes a while) inside a
transaction rolled back at the end; each test runs in its own savepoint on top of it."""

import datetime as dt
import itertools
import json
import random
import zoneinfo
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from fhirclient.models.fhirelementfactory import FHIRElementFactory

from ketacare import settings as production_settings
from ketacare.accounts.domain.roles import Role
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.billing.actions.claims import do_export_837p
from ketacare.billing.models import (
    AccountEntry,
    BenefitsInvestigation,
    Charge,
    Claim,
    ClaimStatus,
    FeeScheduleItem,
    Invoice,
    PackageCreditUse,
    Payer,
    PriorAuthorization,
)
from ketacare.billing.models import EntryKind as BillingEntryKind
from ketacare.billing.starter import STARTER_FEE_ITEMS
from ketacare.clinics.models import ClinicPage, Location, Organisation
from ketacare.inquiries.models import Inquiry, InquiryStatus, PreferredWindow
from ketacare.ledger.models import EntryKind, LedgerEntry, Product, Registration, Vial
from ketacare.ledger.selectors import available_vials
from ketacare.measures.models import Alert, AlertStatus, QuestionnaireResponse
from ketacare.outbox.models import MessageStatus, OutgoingMessage
from ketacare.patients.models import Allergy, CareStage, Diagnosis, Medication, Patient, WeightMeasurement
from ketacare.protocols.models import MaintenanceDecision, TreatmentPlan
from ketacare.protocols.selectors import build_maintenance_review
from ketacare.rems.models import MonitoringForm, RemsCertification
from ketacare.reports.selectors.outcomes import clinic_outcomes
from ketacare.scheduling.models import (
    Appointment,
    AppointmentStatus,
    AppointmentType,
    Chair,
    ClosedDate,
    Course,
    OpeningHours,
    StaffShift,
    WaitlistEntry,
)
from ketacare.site.demo.clock import DemoClock
from ketacare.site.demo.history import PAST_PATIENTS
from ketacare.site.demo.holidays import clinic_holidays
from ketacare.site.demo.organisation_and_staff import DEMO_PASSWORD, DEMO_SEED, VIA
from ketacare.site.demo.patients import PATIENT_COUNT
from ketacare.site.demo.timeline import Timeline
from ketacare.site.demo.trajectories import Course as Responder
from ketacare.site.demo.trajectories import Trajectory
from ketacare.therapy.models import ProgressNote
from ketacare.treatments.models import DosePreparation, SessionStatus, TreatmentSession

# One worker takes the whole module (`--dist loadgroup`, scripts/test.sh), so each pass seeds the demo once.
pytestmark = [pytest.mark.django_db, pytest.mark.xdist_group("demo")]

# What the demo writes through actions, each row with its own CREATE entry in the audit trail.
WRITTEN_BY_ACTIONS = [
    ClinicPage, Patient, Diagnosis, Allergy, Medication, WeightMeasurement, Inquiry, TreatmentPlan, Chair,
    StaffShift, AppointmentType, Course, Appointment, WaitlistEntry, Product, LedgerEntry, RemsCertification,
    ClosedDate, TreatmentSession, QuestionnaireResponse, MaintenanceDecision, ProgressNote,
]  # fmt: skip


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    """(the command's output, when it started): the demo, seeded once for the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        started = timezone.now()
        out = StringIO()
        call_command("seed_demo", stdout=out)
        yield out.getvalue(), started
        transaction.set_rollback(True)


def test_the_clinic_its_logins_patients_requests_pages(seeded):
    out, started = seeded
    check_organisation_locations_and_chairs()
    check_logins(out)
    check_patients(started)
    check_consultation_requests()
    check_pages()


def test_no_demo_mail_is_left_to_send(seeded):
    """The actions queued their mail in the outbox; fictional addresses and history must get none of it."""
    assert OutgoingMessage.objects.exists()
    assert not OutgoingMessage.objects.exclude(status=MessageStatus.DROPPED).exists()


def test_every_record_was_written_through_an_action(seeded):
    check_every_record_was_written_through_an_action(seeded[1])


def test_the_audit_and_ledger_chains_are_intact_and_in_time_order(seeded, capsys):
    capsys.readouterr()
    call_command("audit", "verify")
    call_command("ledger", "verify")

    out = capsys.readouterr().out
    assert "audit chain intact" in out
    assert "ledger chain intact" in out
    # Lived in time order: the past year's steps were taken with the clock set back, one after another.
    for model in (AuditEntry, LedgerEntry):
        times = list(model.objects.order_by("sequence").values_list("occurred_at", flat=True))
        assert times == sorted(times), model.__name__


def test_the_outcome_dashboard_has_responders_and_remitters_at_4_and_8_weeks_at_both_locations(seeded):
    prescriber = get_user_model().objects.get(username="prescriber")
    dashboard = clinic_outcomes(prescriber)

    rows = {row.label: row for row in dashboard.by_location}
    assert set(rows) == {"Portland", "Boston"}
    for row in rows.values():
        assert row.with_baseline >= len(PAST_PATIENTS) // 2 - 1, row
        for window in row.windows:  # 4 and 8 weeks
            assert window.evaluable >= 4, row
            assert 0 < window.remitters < window.responders < window.evaluable, row
    assert {row.label for row in dashboard.by_protocol} == {"iv-racemic-ketamine", "esketamine-nasal"}


def test_past_courses_went_the_lawful_way(seeded):
    """Signed sessions with the dose checked by an on-site colleague and the waste witnessed, REMS
    forms finalised, decisions on real proposals, alerts acknowledged, notes, no-shows, holidays."""
    sessions = TreatmentSession.objects.filter(status=SessionStatus.SIGNED)
    assert sessions.count() >= 80
    assert not TreatmentSession.objects.exclude(status=SessionStatus.SIGNED).filter(
        checked_in_at__lt=timezone.now() - dt.timedelta(hours=3)
    )
    for session in sessions.select_related("location"):
        assert session.administration_stopped_at < session.discharged_at < session.signed_at
        assert session.vitals.filter(recorded_at__gte=session.administration_stopped_at).exists()
        assert session.ratings.count() == 2  # MOAA/S and CADSS
    for preparation in DosePreparation.objects.select_related("session__location", "checked_by"):
        assert preparation.checked_by != preparation.drawn_by
        assert preparation.checked_by.shifts.filter(location=preparation.session.location).exists()
    iv = DosePreparation.objects.filter(session__drug="ketamine_racemic")
    assert iv.exists() and not iv.filter(waste_witness__isnull=True)
    esketamine = TreatmentSession.objects.filter(drug="esketamine", status=SessionStatus.SIGNED)
    assert esketamine.exists()
    assert (
        MonitoringForm.objects.filter(session__in=esketamine, finalised_at__isnull=False).count() == esketamine.count()
    )
    held = sessions.exclude(override_reason="")
    assert held.exists()

    decisions = MaintenanceDecision.objects.all()
    assert {d.decision for d in decisions} >= {"continue", "stop", "extend"}
    for decision in decisions.select_related("plan"):
        last_induction = decision.plan.sessions.order_by("-sequence").first()
        assert last_induction is not None
    alerts = Alert.objects.all()
    assert alerts.exists() and not alerts.filter(status=AlertStatus.OPEN)
    assert ProgressNote.objects.filter(status="signed").exists()
    assert Appointment.objects.filter(status=AppointmentStatus.NO_SHOW).exists()
    today = timezone.localdate()
    holidays = {day for year in (today.year - 1, today.year) for day, _ in clinic_holidays(year)}
    assert holidays & set(ClosedDate.objects.values_list("date", flat=True))
    assert Patient.objects.filter(stage=CareStage.MAINTENANCE).exists()
    assert Patient.objects.filter(stage=CareStage.DISCHARGED).exists()


def test_the_maintenance_proposal_works_on_real_scores(seeded):
    plans = TreatmentPlan.objects.filter(maintenance_decisions__isnull=False).distinct()
    proposals = {build_maintenance_review(plan, "phq9").proposal.proposal.value for plan in plans}
    assert {"continue_to_maintenance", "stop"} <= proposals
    for plan in plans:
        proposal = build_maintenance_review(plan, "phq9").proposal
        assert proposal.baseline_total is not None and proposal.latest_total is not None


def test_running_it_again_changes_nothing(seeded, capsys):
    before = counts()
    capsys.readouterr()

    call_command("seed_demo")

    assert "demo data already present" in capsys.readouterr().out
    assert counts() == before


def test_the_logins_end_with_production_password_hashes(seeded):
    for user in get_user_model().objects.all():
        assert not user.password.startswith("md5$"), user.username


def test_logins_only_prints_the_table(seeded, capsys):
    before = counts()
    call_command("seed_demo", "--logins")

    out = capsys.readouterr().out
    assert "prescriber2" in out and DEMO_PASSWORD in out
    assert "created the demo clinic" not in out and counts() == before


def test_the_demo_clinics_money_and_its_837p_passes_pyx12(seeded, x12_problems):
    """Issue 18.8: a fee schedule, packages sold and drawn down, self-pay invoices and payments, two payers and
    more, insured esketamine patients with benefits investigations and an authorisation, claims ready to
    export, and the clinic's 837P file valid for pyx12."""
    organisation = Organisation.objects.get(slug="harbor")
    assert FeeScheduleItem.objects.filter(organisation=organisation, is_active=True).count() == len(STARTER_FEE_ITEMS)
    assert PackageCreditUse.objects.filter(sale__organisation=organisation, sessions=1).count() >= 6
    assert Invoice.objects.filter(organisation=organisation).exists()
    payments = AccountEntry.objects.filter(organisation=organisation, kind=BillingEntryKind.PAYMENT)
    assert {"cash", "check", "card_terminal", "package_credit"} <= set(payments.values_list("method", flat=True))
    assert Payer.objects.filter(organisation=organisation).count() >= 2
    assert BenefitsInvestigation.objects.filter(organisation=organisation).count() == 2
    assert PriorAuthorization.objects.filter(organisation=organisation, status="approved").exists()
    codes = set(Charge.objects.filter(organisation=organisation).values_list("code", flat=True))
    assert {"KET-IV", "J0013"} <= codes and codes & {"G2082", "G2083"}
    assert Claim.objects.filter(organisation=organisation, status=ClaimStatus.PAID).exists()
    assert Claim.objects.filter(organisation=organisation, primary_claim__isnull=False).exists()
    ready = Claim.objects.filter(organisation=organisation, status=ClaimStatus.READY).count()
    assert ready > 0
    export = do_export_837p(get_user_model().objects.get(username="admin"))
    assert export.claims.count() == ready
    assert x12_problems(export.content) == []


def test_the_demo_clinics_fhir_export_holds_the_whole_ketamine_record(seeded, tmp_path):
    """Issue 17.4 (done when): `ketacare export --format fhir` of the demo clinic holds every kind of record,
    each line an R4 resource fhirclient accepts, with the signed consents and session records as PDFs. Here
    rather than in fhir/tests so the demo is seeded once."""
    outdir = tmp_path / "export"
    call_command("export", str(outdir), "--format", "fhir", "--organisation", "harbor", stdout=StringIO())

    written = {path.stem: path for path in outdir.glob("*.ndjson")}
    for type_name in (
        "Patient", "Practitioner", "Location", "Condition", "AllergyIntolerance", "MedicationStatement",
        "Observation", "QuestionnaireResponse", "CarePlan", "Appointment", "Encounter", "MedicationAdministration",
        "Consent",
    ):  # fmt: skip
        assert type_name in written, f"the demo clinic's export has no {type_name}"
    for type_name, path in written.items():
        with path.open(encoding="utf-8") as lines:
            for line in itertools.islice(lines, 20):
                FHIRElementFactory.instantiate(type_name, json.loads(line))  # strict R4 models: a bad element raises
    patients = sum(1 for _ in written["Patient"].open(encoding="utf-8"))
    assert patients == Patient.objects.filter(organisation__slug="harbor", merged_into__isnull=True).count()
    counts = json.loads((outdir / "manifest.json").read_text())["documents"]["counts"]
    assert counts["signed_consent"] > 0 and counts["session_record"] > 0 and counts["rems_form"] > 0
    # Billing's printed kinds (documents/printed.py): the demo issues self-pay invoices and takes payments.
    assert all(counts[kind] > 0 for kind in ("invoice", "receipt", "statement", "superbill"))


def test_scores_follow_the_patient_and_day_not_the_order_they_are_drawn_in():
    """The same demo every run: a score depends on the patient, the instrument and the day only."""
    trajectory = Trajectory(7, Responder.RESPONDER, 20, 12)
    forward = [trajectory.phq9(day) for day in range(0, 60, 3)]
    random.seed(1)
    backward = [Trajectory(7, Responder.RESPONDER, 20, 12).phq9(day) for day in reversed(range(0, 60, 3))]
    assert forward == list(reversed(backward))
    totals = [sum(answers.values()) for answers in forward]
    assert totals[-1] <= totals[0] / 2  # a responder
    remitter = Trajectory(8, Responder.REMITTER, 20, 12)
    assert sum(remitter.phq9(56).values()) <= 4


def test_the_timeline_runs_stories_in_time_order_and_stops_at_the_end():
    zone = zoneinfo.ZoneInfo("America/Los_Angeles")
    start = dt.datetime(2026, 1, 5, 8, tzinfo=zone)
    clock, seen = DemoClock(), []

    def story(name, minutes):
        for minute in minutes:
            yield start + dt.timedelta(minutes=minute)
            seen.append((name, clock.now()))

    timeline = Timeline(clock, start + dt.timedelta(minutes=100), set())
    timeline.spawn(story("a", [0, 30, 90, 120]))
    timeline.spawn(story("b", [10, 20, 95]))
    with clock.running():
        timeline.run()
        assert timezone.now() == start + dt.timedelta(minutes=95)

    assert [name for name, _ in seen] == ["a", "b", "b", "a", "a", "b"]
    assert [moment for _, moment in seen] == sorted(moment for _, moment in seen)
    assert timezone.now() > start + dt.timedelta(days=300)  # the real clock is back


def counts() -> dict:
    models = [Organisation, Location, Chair, get_user_model(), Patient, Inquiry, PreferredWindow, ClinicPage]
    models += [AuditEntry, LedgerEntry, TreatmentSession, QuestionnaireResponse]
    return {model.__name__: model.objects.count() for model in models}


def check_organisation_locations_and_chairs():
    organisation = Organisation.objects.get()
    assert (organisation.name, organisation.slug) == ("Harbor Ketamine Clinic", "harbor")
    assert organisation.demo_seed == DEMO_SEED
    zones = {location.name: location.time_zone for location in organisation.locations.all()}
    assert zones == {"Portland": "America/Los_Angeles", "Boston": "America/New_York"}
    assert Chair.objects.filter(location__name="Portland").count() == 4
    assert Chair.objects.filter(location__name="Boston").count() == 3
    assert Chair.objects.filter(supports_esketamine=True).exists()
    for location in Location.objects.all():
        nurse = get_user_model().objects.filter(role=Role.NURSE).first()
        assert available_vials(nurse, location, "ketamine").exists()
        assert RemsCertification.objects.filter(location=location).exists()


def check_logins(out: str):
    users = get_user_model().objects.all()
    # Every role but the backend-service accounts a clinic registers itself (fhir/backend/).
    assert {user.role for user in users} == {role.value for role in Role} - {Role.BACKEND_SERVICE}
    # The seed stores production hashes (the test settings only know the fast one).
    with override_settings(PASSWORD_HASHERS=production_settings.PASSWORD_HASHERS):
        for username in [
            "frontdesk", "nurse", "prescriber", "therapist", "admin", "nurse2", "prescriber2", "billing", "patient"
        ]:  # fmt: skip
            assert users.get(username=username).check_password(DEMO_PASSWORD), username
            assert username in out
    assert users.get(username="admin").role == Role.CLINIC_ADMIN
    # Staff pages show times in the zone of where each works (lib/zones.py).
    homes = {user.username: user.home_location.name for user in users.exclude(role=Role.PATIENT)}
    assert homes["nurse"] == "Portland" and homes["nurse2"] == homes["prescriber2"] == "Boston"
    assert Patient.objects.get(user__username="patient").organisation.slug == "harbor"
    assert DEMO_PASSWORD in out


def check_patients(started: dt.datetime):
    patients = Patient.objects.all()
    assert patients.count() == PATIENT_COUNT + len(PAST_PATIENTS)
    assert set(patients.values_list("stage", flat=True)) == set(CareStage.values)
    assert not patients.filter(home_location__isnull=True).exists()
    assert all(p.phone.startswith(("+1503555", "+1617555")) for p in patients)
    names = list(patients.values_list("first_name", "last_name"))
    assert len(names) == len(set(names))
    # Registered through the action, so every record's creation is audited.
    created = AuditEntry.objects.filter(action=AuditAction.CREATE, object_type="patients.patient")
    assert set(created.values_list("patient_id", flat=True)) == set(patients.values_list("pk", flat=True))
    assert {entry.actor.username for entry in created} == {"frontdesk"}
    assert patients.filter(diagnoses__icd10_code="F33.2").exists()
    assert patients.filter(medications__isnull=False).exists()
    assert patients.filter(allergies__isnull=False).exists()
    assert all(p.weights.exists() for p in patients)
    # The past patients came in over the year; today's were registered today.
    past = patients.filter(created_at__lt=started)
    assert past.count() == len(PAST_PATIENTS)
    assert past.order_by("created_at").first().created_at < started - dt.timedelta(days=300)


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


def audit_entries(model, action: AuditAction):
    return AuditEntry.objects.filter(object_type=model._meta.label_lower, action=action).order_by("sequence")


def check_every_record_was_written_through_an_action(started: dt.datetime):
    """Each action audits what it writes, so every row has its entry, by the staff member who wrote it;
    only the organisation and its first location (a first run has no actor yet) and the logins are marked
    as the seed's own."""
    for model in WRITTEN_BY_ACTIONS:
        created = set(audit_entries(model, AuditAction.CREATE).values_list("object_id", flat=True))
        assert created == {str(pk) for pk in model.objects.values_list("pk", flat=True)}, model.__name__
    outside_actions = AuditEntry.objects.filter(detail__via=VIA).values_list("object_type", flat=True)
    assert sorted(outside_actions) == sorted(
        ["clinics.organisation", "clinics.location", "patients.patient"] + ["accounts.user"] * 9
    )
    # Nobody signed in: the public form's requests, questionnaires answered through an emailed link,
    # the safety alerts the system raises; everything else was done by a named staff member.
    anonymous = {(e.object_type, e.action) for e in AuditEntry.objects.filter(actor=None) if "via" not in e.detail}
    assert anonymous == {
        ("inquiries.inquiry", AuditAction.CREATE.value),
        ("measures.questionnaireresponse", AuditAction.CREATE.value),
        ("measures.alert", AuditAction.CREATE.value),
    }

    for inquiry in Inquiry.objects.all():
        # Received when it was submitted: nothing moved the time afterwards.
        created = audit_entries(Inquiry, AuditAction.CREATE).get(object_id=str(inquiry.pk))
        assert abs(created.occurred_at - inquiry.submitted_at) < dt.timedelta(seconds=1)
        changes = audit_entries(Inquiry, AuditAction.STATUS_CHANGE).filter(object_id=str(inquiry.pk))
        expected = [] if inquiry.status == InquiryStatus.NEW else [("frontdesk", InquiryStatus.NEW, inquiry.status)]
        assert [(e.actor.username, e.detail["from"], e.detail["to"]) for e in changes] == expected
    for patient in Patient.objects.filter(created_at__gte=started):
        changes = audit_entries(Patient, AuditAction.STATUS_CHANGE).filter(object_id=str(patient.pk)).count()
        assert changes >= (0 if patient.stage == CareStage.REGISTERED else 1), patient
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
