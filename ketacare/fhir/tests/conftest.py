"""A patient with a whole record (diagnosis, allergy, medication, weight, PHQ-9, an esketamine session with
vitals, an IV ketamine dose drawn from the ledger, an appointment, signed consents, two documents) and bearer tokens to read
it through /fhir/."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ketacare.accounts.actions import do_create_api_token
from ketacare.documents.actions import do_upload_document
from ketacare.fhir.smart.actions import do_register_smart_app
from ketacare.fhir.tests.smart_clients import (
    APP_SCOPES,
    REDIRECT,
    authorize_url,
    consent,
    exchange,
    pkce,
    redirect_params,
)
from ketacare.measures import actions as measures_actions
from ketacare.patients.models import Allergy, Diagnosis, Medication
from ketacare.scheduling.models import Chair
from ketacare.therapy.models import NoteStatus, ProgressNote
from ketacare.treatments.models import DosePreparation, SessionStatus, TreatmentSession


class Record:
    """The ids of what the world holds, for assertions."""


@pytest.fixture
def record(patient, staff, portland, make_chart, make_products, receive, make_session_appointment):
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    world = Record()
    world.patient = patient
    type(patient).objects.filter(pk=patient.pk).update(
        emergency_contact_name="Sam Doe",
        emergency_contact_relationship="Partner",
        emergency_contact_phone="+15035550111",
    )
    world.diagnosis = Diagnosis.objects.create(
        patient=patient, icd10_code="F33.2", description="MDD, recurrent, severe", recorded_by=prescriber
    )
    world.allergy = Allergy.objects.create(
        patient=patient, substance="Latex", reaction="Hives", severity="mild", recorded_by=nurse
    )
    world.medication = Medication.objects.create(
        patient=patient, name="Sertraline", dose="100 mg", frequency="once daily", recorded_by=prescriber
    )
    world.phq9 = measures_actions.do_enter_response(prescriber, patient, "phq9", dict(enumerate([2] * 9, 1)))
    world.esketamine_session = make_chart()
    world.vital = world.esketamine_session.vitals.first()
    world.device = world.esketamine_session.devices.get(sequence=1)
    ketamine, _ = make_products(staff["clinic_admin"])
    receipt = receive(nurse, portland, ketamine, lot="KET-LOT-7")[0]
    started = timezone.now() - dt.timedelta(days=2)
    iv_session = TreatmentSession.objects.create(
        organisation=patient.organisation,
        location=portland,
        patient=patient,
        plan=world.esketamine_session.plan,
        template=world.esketamine_session.template,
        route="iv",
        drug="ketamine_racemic",
        status=SessionStatus.DISCHARGED,
        monitoring_clinician=nurse,
        prescriber=prescriber,
        checked_in_at=started - dt.timedelta(minutes=20),
        administration_started_at=started,
        administration_stopped_at=started + dt.timedelta(minutes=40),
        administered_by=nurse,
        discharged_at=started + dt.timedelta(minutes=120),
        created_by=nurse,
    )
    world.iv_session = iv_session
    # Goals are stated in signed integration-therapy notes (the plan has none).
    world.progress_note = ProgressNote.objects.create(
        patient=patient,
        plan=world.esketamine_session.plan,
        therapist=staff["therapist"],
        session_at=started - dt.timedelta(days=1),
        duration_minutes=50,
        themes="Reconnecting",
        goals="Keep the morning walk; call one friend this week.",
        status=NoteStatus.SIGNED,
        signed_at=started - dt.timedelta(days=1) + dt.timedelta(hours=1),
    )
    world.dose = DosePreparation.objects.create(
        session=iv_session,
        vial_id=receipt.vial_id,
        lot=receipt.vial.lot,
        dose_mg=Decimal("35.000"),
        drawn_by=nurse,
        checked_by=prescriber,
        drawn_at=started - dt.timedelta(minutes=5),
        ledger_entry_id=receipt.pk,
    )
    world.appointment = make_session_appointment(patient, portland, "iv_infusion", staff["front_desk"])
    world.chair = Chair.objects.create(location=portland, name="Chair A")  # a Schedule
    world.shared_document, world.private_document = (
        do_upload_document(
            staff["front_desk"],
            patient.pk,
            upload=SimpleUploadedFile(f"{title}.pdf", b"%PDF-1.4\n%%EOF\n"),
            category="referral",
            document_date=patient.today(),
            title=title,
            shared_with_patient=shared,
        )
        for title, shared in (("Referral letter", True), ("Prior records", False))
    )
    # The plan's prerequisites had the patient sign the route's consents.
    world.consent = patient.signed_consents.first()
    return world


@pytest.fixture
def bearer():
    """bearer(user) -> the Authorization header value of a new personal token of `user`."""

    def create(user) -> str:
        return f"Bearer {do_create_api_token(user, 'FHIR test')[1]}"

    return create


@pytest.fixture
def fhir_get(bearer, signed_in):
    """fhir_get(user, "Patient", _count=2) -> the response to GET /fhir/<path>?<params>: staff with their own
    bearer token, a patient (who holds no API token) signed in to the portal, None anonymous."""
    tokens: dict[int, str] = {}

    def get(user, path: str, **params):
        if user is None:
            return Client().get(f"/fhir/{path}", params)
        if user.is_patient:
            return signed_in(user).get(f"/fhir/{path}", params)
        if user.pk not in tokens:
            tokens[user.pk] = bearer(user)
        return Client().get(f"/fhir/{path}", params, HTTP_AUTHORIZATION=tokens[user.pk])

    return get


@pytest.fixture
def smart_app(staff):
    """A public SMART app of the clinic (redirect https://app.example/callback, APP_SCOPES)."""
    app, _ = do_register_smart_app(
        staff["clinic_admin"],
        name="Mood tracker",
        redirect_uris=REDIRECT,
        client_type="public",
        allowed_scopes=APP_SCOPES,
    )
    return app


@pytest.fixture
def launch(signed_in, smart_app):
    """launch(user, scope, patient=None) -> the token response (JSON) of a whole standalone launch."""

    def run(user, scope: str, patient=None) -> dict:
        verifier, challenge = pkce()
        params = redirect_params(consent(signed_in(user), authorize_url(smart_app, scope, challenge), patient=patient))
        assert params["state"] == "st4te"
        response = exchange(smart_app, params["code"], verifier)
        assert response.status_code == 200, response.content
        return response.json()

    return run
