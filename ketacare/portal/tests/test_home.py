import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ketacare.accounts.domain.roles import Role
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.models import ClinicPage
from ketacare.patients.models import Allergy, CareStage, Medication, MedicationStatus, WeightMeasurement

URL = reverse("portal:home")


@pytest.fixture
def charted(patient, second_patient, staff):
    nurse = staff["nurse"]
    patient.home_location = patient.organisation.locations.get(name__endswith="Portland")
    patient.stage = CareStage.INDUCTION
    patient.phone = "+15035550123"
    patient.save(update_fields=["home_location", "stage", "phone"])
    Medication.objects.create(
        patient=patient, name="sertraline", dose="100 mg", frequency="once daily", recorded_by=nurse
    )
    Medication.objects.create(
        patient=patient,
        name="citalopram",
        dose="20 mg",
        status=MedicationStatus.STOPPED,
        stopped_on=dt.date(2025, 1, 1),
        recorded_by=nurse,
    )
    Allergy.objects.create(patient=patient, substance="penicillin", reaction="rash", recorded_by=nurse)
    WeightMeasurement.objects.create(
        patient=patient, weight_kg=Decimal("72.4"), measured_on=dt.date(2026, 1, 5), recorded_by=nurse
    )
    Medication.objects.create(patient=second_patient, name="bupropion XL", dose="300 mg", recorded_by=nurse)
    ClinicPage.objects.create(organisation=patient.organisation, slug="safety", title="Safety", body="x")
    return patient


def test_a_patient_sees_their_own_record(signed_in, charted):
    response = signed_in(charted.user).get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    for expected in [
        "Hello, Pat1",
        "Harbor",
        "Harbor Portland",
        charted.record_number,
        "first course of treatment",
        "pat1@example.org",
        "+15035550123",
        "sertraline 100 mg",
        "penicillin",
        "72.4 kg",
        reverse("clinics:page", args=["harbor", "safety"]),
    ]:
        assert expected in html, expected
    assert "citalopram" not in html  # stopped medicines are not current
    assert '<div class="crisis"' in html and "<strong>988</strong>" in html


def test_a_patient_never_sees_another_patients_record(signed_in, charted, second_patient):
    html = signed_in(charted.user).get(URL).content.decode()

    assert second_patient.record_number not in html
    assert second_patient.first_name not in html
    assert "bupropion" not in html


def test_viewing_the_record_is_audited(signed_in, charted):
    signed_in(charted.user).get(URL)

    entry = AuditEntry.objects.get(action=AuditAction.VIEW)
    assert entry.patient == charted and entry.actor == charted.user


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "therapist", "clinic_admin"])
def test_staff_get_403(signed_in, staff, charted, role):
    assert signed_in(staff[role]).get(URL).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW).exists()


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(URL)

    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_a_patient_account_without_a_record_gets_a_friendly_page(signed_in, org):
    user = get_user_model().objects.create_user(
        username="not_linked", password="x" * 12, organisation=org, role=Role.PATIENT.value
    )

    response = signed_in(user).get(URL)

    assert response.status_code == 200
    assert "not linked to a patient record" in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.VIEW).exists()
