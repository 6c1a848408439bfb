"""The published API schema tells the truth: every GET endpoint's real answer validates against it.

One Harbor clinic is seeded with data behind every GET endpoint (a patient with a plan, a charted
esketamine session and its REMS form, appointments, a course, a waitlist entry, stock, notes, a
questionnaire response and its safety alert, an inquiry); each GET operation of /api/v1/openapi.json
is then called as a user allowed to read it, and the JSON it returns is validated against the
schema the document publishes for that operation and status. A list must not come back empty (an
empty list validates against any item schema); a new GET endpoint must be added to `urls_for` below.
"""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import validate as validate_spec

from ketacare.accounts.models import ApiToken
from ketacare.billing.actions import accounts as account_actions
from ketacare.billing.actions import charges as charge_actions
from ketacare.billing.actions import claims as claim_actions
from ketacare.billing.actions import packages as package_actions
from ketacare.candidacy import actions as candidacy_actions
from ketacare.consents.models import SignedConsent
from ketacare.consultations import actions as consultation_actions
from ketacare.documents.actions import do_upload_document
from ketacare.inquiries.models import Inquiry
from ketacare.measures import actions as measures_actions
from ketacare.measures.models import Alert
from ketacare.protocols import actions as protocols_actions
from ketacare.protocols.models import ProtocolTemplate
from ketacare.rems import actions as rems_actions
from ketacare.reports.letters import actions as letter_actions
from ketacare.scheduling.actions import booking, courses, feeds, waitlist
from ketacare.testing.billing import make_fee_schedule, make_package_offer, make_payer, make_prior_authorization
from ketacare.testing.claims import insure, make_final_charge
from ketacare.testing.clinic import build_clinic
from ketacare.testing.stock import make_products, receive
from ketacare.therapy import actions as therapy_actions

pytestmark = pytest.mark.django_db

SCHEMA_URL = "/api/v1/openapi.json"
MORNINGS = [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "08:00", "to": "17:00"}]


@pytest.fixture(scope="module")
def published_schema():
    """/api/v1/openapi.json as served (static: no database, so read once for the module)."""
    response = Client().get(SCHEMA_URL)
    assert response.status_code == 200
    return response.json()


def bearer(user) -> str:
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=user, name="schema", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    return f"Bearer {secret}"


@pytest.fixture
def seeded_clinic(
    org, staff, patient, second_patient, intake_answers, make_chart, make_plan_ready, certified, enrolled
):
    """Harbor with a record behind every GET endpoint; the ids the paths need, keyed by name."""
    clinic = build_clinic(org, staff)
    admin, prescriber, nurse, therapist = (staff[r] for r in ("clinic_admin", "prescriber", "nurse", "therapist"))
    patient.home_location = clinic.location
    patient.save(update_fields=["home_location"])

    answers, trials = intake_answers
    candidacy_actions.do_save_intake(prescriber, patient.pk, **answers)
    for trial in trials:
        candidacy_actions.do_add_trial(prescriber, patient.pk, **trial)

    session = make_chart()  # an esketamine session (and plan) at Portland, discharged
    form = rems_actions.do_create_form_from_session(prescriber, session.pk)

    measures_actions.do_enter_response(nurse, patient, "phq9", {str(n): 1 if n < 9 else 3 for n in range(1, 10)})
    assert Alert.objects.filter(patient=patient).exists()

    iv_template = ProtocolTemplate.objects.get(organisation=None, code="iv-racemic-ketamine", is_active=True)
    make_plan_ready(second_patient, iv_template.route, prescriber)
    iv_plan = protocols_actions.do_create_plan_from_template(
        prescriber, second_patient.pk, template_id=iv_template.pk, start_date=clinic.day
    )
    protocols_actions.do_change_plan_status(prescriber, iv_plan.pk, status="active", reason="Consent signed")
    course = courses.do_book_course(
        admin,
        iv_plan.pk,
        appointment_type_id=clinic.type("iv_infusion").pk,
        location_ids=[clinic.location.pk],
        availability=MORNINGS,
    )
    first_infusion = course.appointments.order_by("starts_at").first()
    appointment = booking.do_book_appointment(
        admin,
        patient_id=patient.pk,
        appointment_type_id=clinic.type("consultation").pk,
        location_id=clinic.location.pk,
        starts_at=clinic.at(9),
    )
    waitlist.do_add_to_waitlist(
        admin,
        patient_id=second_patient.pk,
        appointment_type_id=clinic.type("iv_infusion").pk,
        location_ids=[clinic.location.pk],
        earliest_date=clinic.day + dt.timedelta(days=30),
        availability=MORNINGS,
    )
    feeds.do_create_calendar_feed(admin)

    ketamine, _ = make_products(admin)
    receive(nurse, clinic.location, ketamine, count=2)

    note = therapy_actions.do_create_progress_note(
        therapist, patient.pk, session_at=timezone.now() - dt.timedelta(days=1), duration_minutes=50
    )
    psychotherapy_note = therapy_actions.do_create_psychotherapy_note(therapist, patient.pk, text="Process notes.")
    signable = ("history_of_present_illness", "mental_status_exam", "risk_assessment", "assessment_and_plan")
    consultation_note = consultation_actions.do_create_consultation_note(
        prescriber, patient.pk, consent_discussion="Off-label use discussed", **dict.fromkeys(signable, "Written")
    )
    consultation_actions.do_sign_consultation_note(prescriber, consultation_note.pk)
    consultation_actions.do_add_consultation_note_addendum(prescriber, consultation_note.pk, text="Later")
    letter = letter_actions.do_create_referral_letter(prescriber, patient.pk, recipient_name="Dr Rivera")
    document = do_upload_document(
        admin,
        patient.pk,
        upload=SimpleUploadedFile("referral.pdf", b"%PDF-1.4\n%%EOF\n"),
        category="referral",
        document_date=patient.today() - dt.timedelta(days=3),
        title="Referral letter",
    )
    fee_items = make_fee_schedule(org, admin)
    charge = charge_actions.do_add_manual_charge(
        admin, patient.pk, fee_item_id=fee_items["99214"].pk, location_id=clinic.location.pk, service_date=clinic.day
    )
    # A package sold, paid by card and invoiced: the account's entries, packages, invoices and a payments day.
    offer = make_package_offer(org)
    package_actions.do_sell_package(staff["front_desk"], patient.pk, offer_id=offer.pk)
    account_actions.do_record_payment(admin, patient.pk, amount="2700.00", method="card_terminal", reference="T-1")
    account_actions.do_issue_invoice(admin, patient.pk)
    # Insurance and a claim: a payer, the patient's coverage and authorisation, a final charge on a claim.
    coverage = insure(patient, make_payer(org), admin)
    today = patient.today()  # two sessions approved, ending within days: on the watch list
    make_prior_authorization(
        coverage,
        admin,
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=5),
        approved_sessions=2,
    )
    make_final_charge(patient, clinic.location, admin, service_date=clinic.day)
    [claim] = claim_actions.do_build_claims(admin)

    return {
        "patient": patient,
        "session": session,
        "location": session.location,
        "form": form,
        "plan": session.plan,
        "course": course,
        "appointment": appointment,
        "appointment_day": clinic.day,
        "treatment_day": (clinic.location.pk, first_infusion.starts_at.astimezone(clinic.location.zone).date()),
        "note": note,
        "psychotherapy_note": psychotherapy_note,
        "consultation_note": consultation_note,
        "letter": letter,
        "staff_member": nurse,
        "document": document,
        "charge": charge,
        "claim": claim,
        # make_chart's plan had its consents signed (issue 16): the esketamine consent and the REMS enrollment.
        "signed_consent": SignedConsent.objects.filter(patient=patient).select_related("template").first(),
        "inquiry": None,  # submitted through the API by the test (anonymous, as the public form does)
        "tokens": {role: bearer(staff[role]) for role in ("clinic_admin", "prescriber", "therapist", "front_desk")}
        | {"patient": bearer(patient.user)},
    }


def urls_for(seeded) -> dict[str, tuple[str, str]]:
    """Each GET path of the schema -> (the URL to call, the role that reads it)."""
    patient_id = seeded["patient"].pk
    return {
        "/api/v1/inquiries": ("/api/v1/inquiries", "clinic_admin"),
        "/api/v1/inquiries/{inquiry_id}": (f"/api/v1/inquiries/{seeded['inquiry']}", "clinic_admin"),
        "/api/v1/locations": ("/api/v1/locations", "clinic_admin"),
        "/api/v1/locations/{location_id}": (f"/api/v1/locations/{seeded['location'].pk}", "clinic_admin"),
        "/api/v1/patients": ("/api/v1/patients", "clinic_admin"),
        "/api/v1/patients/{patient_id}": (f"/api/v1/patients/{patient_id}", "clinic_admin"),
        "/api/v1/documents/patients/{patient_id}": (f"/api/v1/documents/patients/{patient_id}", "front_desk"),
        "/api/v1/documents/{document_id}/download": (
            f"/api/v1/documents/{seeded['document'].pk}/download",
            "front_desk",
        ),
        "/api/v1/audit/entries": ("/api/v1/audit/entries", "clinic_admin"),
        "/api/v1/audit/patients/{patient_id}/entries": (
            f"/api/v1/audit/patients/{patient_id}/entries",
            "clinic_admin",
        ),
        "/api/v1/measures/patients/{patient_id}/responses": (
            f"/api/v1/measures/patients/{patient_id}/responses",
            "prescriber",
        ),
        "/api/v1/measures/alerts": ("/api/v1/measures/alerts", "prescriber"),
        "/api/v1/candidacy/patients/{patient_id}": (f"/api/v1/candidacy/patients/{patient_id}", "prescriber"),
        "/api/v1/protocols/templates": ("/api/v1/protocols/templates", "prescriber"),
        "/api/v1/protocols/plans/{plan_id}": (f"/api/v1/protocols/plans/{seeded['plan'].pk}", "prescriber"),
        "/api/v1/protocols/plans/{plan_id}/maintenance-proposal": (
            f"/api/v1/protocols/plans/{seeded['plan'].pk}/maintenance-proposal",
            "prescriber",
        ),
        "/api/v1/scheduling/appointments": (
            f"/api/v1/scheduling/appointments?location_id={seeded['appointment'].location_id}"
            f"&date_from={seeded['appointment_day']}&date_to={seeded['appointment_day']}",
            "clinic_admin",
        ),
        "/api/v1/scheduling/appointments/{appointment_id}": (
            f"/api/v1/scheduling/appointments/{seeded['appointment'].pk}",
            "clinic_admin",
        ),
        "/api/v1/scheduling/free-slots": (
            f"/api/v1/scheduling/free-slots?patient_id={patient_id}&location_id={seeded['appointment'].location_id}"
            f"&appointment_type_id={seeded['appointment'].appointment_type_id}&date_from={seeded['appointment_day']}",
            "clinic_admin",
        ),
        "/api/v1/scheduling/resources": (
            f"/api/v1/scheduling/resources?location_id={seeded['appointment'].location_id}",
            "clinic_admin",
        ),
        "/api/v1/scheduling/courses/{course_id}": (
            f"/api/v1/scheduling/courses/{seeded['course'].pk}",
            "clinic_admin",
        ),
        "/api/v1/scheduling/courses/waitlist/entries": ("/api/v1/scheduling/courses/waitlist/entries", "clinic_admin"),
        "/api/v1/scheduling/patients/{patient_id}/attendance": (
            f"/api/v1/scheduling/patients/{patient_id}/attendance",
            "clinic_admin",
        ),
        "/api/v1/scheduling/feeds": ("/api/v1/scheduling/feeds", "clinic_admin"),
        "/api/v1/scheduling/portal/appointments": ("/api/v1/scheduling/portal/appointments", "patient"),
        "/api/v1/ledger/products": ("/api/v1/ledger/products", "clinic_admin"),
        "/api/v1/ledger/vials": ("/api/v1/ledger/vials", "clinic_admin"),
        "/api/v1/ledger/balances": ("/api/v1/ledger/balances", "clinic_admin"),
        "/api/v1/ledger/entries": ("/api/v1/ledger/entries", "clinic_admin"),
        "/api/v1/sessions/day": (
            f"/api/v1/sessions/day?location_id={seeded['treatment_day'][0]}&date={seeded['treatment_day'][1]}",
            "prescriber",
        ),
        "/api/v1/sessions/{session_id}": (f"/api/v1/sessions/{seeded['session'].pk}", "prescriber"),
        "/api/v1/rems/dashboard": ("/api/v1/rems/dashboard", "prescriber"),
        "/api/v1/rems/certifications": ("/api/v1/rems/certifications", "prescriber"),
        "/api/v1/rems/patients/{patient_id}/enrollments": (
            f"/api/v1/rems/patients/{patient_id}/enrollments",
            "prescriber",
        ),
        "/api/v1/rems/forms/{form_id}": (f"/api/v1/rems/forms/{seeded['form'].pk}", "prescriber"),
        "/api/v1/therapy/patients/{patient_id}/notes": (f"/api/v1/therapy/patients/{patient_id}/notes", "therapist"),
        "/api/v1/therapy/notes/{note_id}": (f"/api/v1/therapy/notes/{seeded['note'].pk}", "therapist"),
        "/api/v1/therapy/patients/{patient_id}/psychotherapy-notes": (
            f"/api/v1/therapy/patients/{patient_id}/psychotherapy-notes",
            "therapist",
        ),
        "/api/v1/therapy/psychotherapy-notes/{note_id}": (
            f"/api/v1/therapy/psychotherapy-notes/{seeded['psychotherapy_note'].pk}",
            "therapist",
        ),
        "/api/v1/consultations/patients/{patient_id}/notes": (
            f"/api/v1/consultations/patients/{patient_id}/notes",
            "therapist",
        ),
        "/api/v1/consultations/notes/{note_id}": (
            f"/api/v1/consultations/notes/{seeded['consultation_note'].pk}",
            "therapist",
        ),
        "/api/v1/consultations/notes/{note_id}/pdf": (
            f"/api/v1/consultations/notes/{seeded['consultation_note'].pk}/pdf",
            "prescriber",
        ),
        "/api/v1/letters/patients/{patient_id}": (f"/api/v1/letters/patients/{patient_id}", "clinic_admin"),
        "/api/v1/letters/{letter_id}": (f"/api/v1/letters/{seeded['letter'].pk}", "clinic_admin"),
        "/api/v1/letters/{letter_id}/pdf": (f"/api/v1/letters/{seeded['letter'].pk}/pdf", "prescriber"),
        "/api/v1/consents/templates": ("/api/v1/consents/templates", "prescriber"),
        "/api/v1/consents/templates/{template_id}": (
            f"/api/v1/consents/templates/{seeded['signed_consent'].template_id}",
            "prescriber",
        ),
        "/api/v1/consents/patients/{patient_id}": (f"/api/v1/consents/patients/{patient_id}", "prescriber"),
        "/api/v1/consents/signed/{consent_id}/pdf": (
            f"/api/v1/consents/signed/{seeded['signed_consent'].pk}/pdf",
            "prescriber",
        ),
        "/api/v1/staff/members": ("/api/v1/staff/members", "clinic_admin"),
        "/api/v1/billing/fees/items": ("/api/v1/billing/fees/items", "clinic_admin"),
        "/api/v1/billing/fees/rules": ("/api/v1/billing/fees/rules", "clinic_admin"),
        "/api/v1/billing/fees/settings": ("/api/v1/billing/fees/settings", "clinic_admin"),
        "/api/v1/billing/fees/providers": ("/api/v1/billing/fees/providers", "clinic_admin"),
        "/api/v1/billing/charges": ("/api/v1/billing/charges", "clinic_admin"),
        "/api/v1/billing/charges/{charge_id}": (f"/api/v1/billing/charges/{seeded['charge'].pk}", "clinic_admin"),
        "/api/v1/billing/accounts/patients/{patient_id}": (
            f"/api/v1/billing/accounts/patients/{seeded['patient'].pk}",
            "clinic_admin",
        ),
        "/api/v1/billing/accounts/patients/{patient_id}/entries": (
            f"/api/v1/billing/accounts/patients/{seeded['patient'].pk}/entries",
            "clinic_admin",
        ),
        # Yesterday to tomorrow (UTC dates): today in any zone.
        "/api/v1/billing/accounts/payments-report": (
            f"/api/v1/billing/accounts/payments-report?date_from={dt.date.today() - dt.timedelta(days=1)}"
            f"&date_to={dt.date.today() + dt.timedelta(days=1)}",
            "clinic_admin",
        ),
        "/api/v1/billing/packages/offers": ("/api/v1/billing/packages/offers", "clinic_admin"),
        "/api/v1/billing/claims": ("/api/v1/billing/claims", "clinic_admin"),
        "/api/v1/billing/claims/{claim_id}": (f"/api/v1/billing/claims/{seeded['claim'].pk}", "clinic_admin"),
        "/api/v1/billing/insurance/payers": ("/api/v1/billing/insurance/payers", "clinic_admin"),
        "/api/v1/billing/insurance/patients/{patient_id}": (
            f"/api/v1/billing/insurance/patients/{patient_id}",
            "clinic_admin",
        ),
        "/api/v1/billing/insurance/prior-authorizations/watch": (
            "/api/v1/billing/insurance/prior-authorizations/watch",
            "clinic_admin",
        ),
        "/api/v1/billing/insurance/sessions/{session_id}": (
            f"/api/v1/billing/insurance/sessions/{seeded['session'].pk}",
            "clinic_admin",
        ),
        "/api/v1/staff/members/{user_id}": (f"/api/v1/staff/members/{seeded['staff_member'].pk}", "clinic_admin"),
    }


def closed(schema):
    """`schema` with every object closed to properties it does not name: an answer that carries an
    undocumented field breaks it (the published schema leaves objects open)."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    copy = {key: closed(value) for key, value in schema.items()}
    if "properties" in copy and "additionalProperties" not in schema:
        copy["additionalProperties"] = False
    return copy


def schema_errors(document: dict, schema: dict, instance) -> list[str]:
    """Every way `instance` breaks `schema` (whose $refs point into `document`'s components)."""
    validator = OAS31Validator({**closed(schema), "components": closed(document["components"])})
    return [
        f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}"
        for error in validator.iter_errors(instance)
    ]


def response_schema(document: dict, path: str, method: str, status: int) -> dict:
    responses = document["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} answered {status}, which the schema does not publish"
    return responses[str(status)]["content"]["application/json"]["schema"]


def submit_inquiry(client, document, location) -> int:
    """The public form's submission through the API, its body and answer checked against the schema."""
    location_today = timezone.localtime(timezone.now(), location.zone).date()
    body = {
        "organisation": "harbor",
        "first_name": "Ana",
        "last_name": "Lima",
        "date_of_birth": "1990-04-02",
        "phone": "503-555-0199",
        "email": "ana@example.org",
        "preferred_location_id": location.pk,
        "windows": [{"date": str(location_today + dt.timedelta(days=3)), "start_time": "09:00", "end_time": "12:00"}],
        "reasons": ["depression"],
        "consent_to_contact": True,
    }
    request_schema = document["paths"]["/api/v1/inquiries"]["post"]["requestBody"]["content"]["application/json"]
    assert schema_errors(document, request_schema["schema"], body) == []
    response = client.post("/api/v1/inquiries", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert schema_errors(document, response_schema(document, "/api/v1/inquiries", "post", 201), response.json()) == []
    return Inquiry.objects.get(email="ana@example.org").pk


def test_every_get_endpoint_answers_what_the_schema_publishes(client, published_schema, seeded_clinic):
    document = published_schema
    seeded_clinic["inquiry"] = submit_inquiry(client, document, seeded_clinic["location"])
    urls = urls_for(seeded_clinic)
    get_paths = {path for path, operations in document["paths"].items() if "get" in operations}
    assert get_paths - set(urls) == set(), "a GET endpoint this test does not call: add it to urls_for"

    mismatches = {}
    for path in sorted(get_paths):
        url, role = urls[path]
        response = client.get(url, HTTP_AUTHORIZATION=seeded_clinic["tokens"][role])
        assert response.status_code == 200, (url, response.status_code, response.content[:300])
        published = document["paths"][path]["get"]["responses"]["200"]["content"]
        if "application/json" not in published:  # a file download: one of the types it publishes
            assert response["Content-Type"] in published, (url, response["Content-Type"])
            continue
        body = response.json()
        assert body not in ([], {}), f"{url} answered nothing: seed data for it"
        if isinstance(body, list):
            assert body, f"{url} is an empty list"
        if isinstance(body, dict) and isinstance(body.get("items"), list):
            assert body["items"], f"{url} is an empty page"
        errors = schema_errors(document, response_schema(document, path, "get", 200), body)
        if errors:
            mismatches[path] = errors[:5]
    assert mismatches == {}


def test_the_published_schema_is_a_valid_openapi_document(published_schema):
    validate_spec(published_schema)
