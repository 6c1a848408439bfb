"""Every PDF the product renders prints user text as text (issue 13.1).

reportlab reads a Paragraph's text as markup: `<img src="http://...">` in a patient's name made the
server fetch that address while rendering, and a stray `<b` gave a 500. lib/pdf.py `text()` is the
one way user text enters a Paragraph; this module proves that it is the way for every PDF.

For each PDF (session record, REMS monitoring form, referrer progress summary, ledger dispensing log
and inventory) the records it is built from are written with hostile text in every free-text column
of every row (names, notes, reasons, addresses, lots, products, the organisation and location, the
staff), each value a different marker plus an `<img>` pointing at a real HTTP listener on loopback,
a stray `<` and an `&`. The PDF is then fetched through its page, as staff do, and:
- the listener received no request (nothing was fetched, no local file opened either);
- the page answered a PDF (no 500 on the stray `<`);
- the fields the document prints (listed per PDF below) appear literally, `<` and `&` as typed.
"""

import http.server
import itertools
import re
import threading
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.urls import reverse
from django.utils import timezone

from ketacare.clinics.models import Location, Organisation
from ketacare.consents import actions as consent_actions
from ketacare.consents.domain.rules import Coverage
from ketacare.consents.models import ConsentTemplate
from ketacare.consents.selectors import template_for_coverage
from ketacare.consultations import actions as consultation_actions
from ketacare.consultations.models import NOTE_TEXT_FIELDS as CONSULTATION_NOTE_TEXT_FIELDS
from ketacare.consultations.models import ConsultationNote
from ketacare.ledger import actions as ledger_actions
from ketacare.ledger.models import Product, Registration, Vial
from ketacare.patients.models import Patient
from ketacare.protocols.models import ProtocolTemplate
from ketacare.rems import actions as rems_actions
from ketacare.rems.models import MonitoringForm, RemsCertification
from ketacare.reports.letters import actions as letter_actions
from ketacare.reports.models import ReferralLetter
from ketacare.testing.consents import signature_data_url
from ketacare.treatments.models import (
    AdverseEvent,
    DischargeAssessment,
    DosePreparation,
    SessionAddendum,
    SessionCheck,
    TreatmentSession,
)

pytestmark = pytest.mark.django_db

# Columns that are not free text though stored as text: identities and codes the code reads
# (a zone name, a slug in URLs, a template's code, hashes), and the sign-in name and password.
NOT_FREE_TEXT = {
    "password",
    "username",
    "time_zone",
    "slug",
    "code",
    "country",
    "phone",
    "emergency_contact_phone",
    "referring_clinician_phone",
    "monitoring_clinician_phone",
    "dea_number",
    "ndc",
}


class Listener:
    """An HTTP server on loopback that records every request it gets (it must get none)."""

    def __init__(self):
        self.paths: list[str] = []
        recorded = self.paths

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                recorded.append(self.path)
                self.send_response(404)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@dataclass
class Hostile:
    """Hands out hostile values, each led by its own short marker (`<b12&`) that the test finds in
    the printed text; remembers which column each marker went into."""

    port: int
    markers: dict[str, list[bytes]] = field(default_factory=dict)
    numbers: itertools.count = field(default_factory=lambda: itertools.count(1))

    def value(self, column: str, max_length: int | None = None) -> str:
        number = next(self.numbers)
        marker = f"<b{number}&"
        full = f'{marker} <img src="http://127.0.0.1:{self.port}/{number}"/> a < b & c'
        if max_length is not None and max_length < len(full):
            full = full[:max_length]
        if full.startswith(marker):
            self.markers.setdefault(column, []).append(marker.encode())
        return full

    def write_rows(self, queryset) -> None:
        """Every free-text column of every row in `queryset` made hostile (an UPDATE, as a
        value typed into any form, API or import would be stored)."""
        model = queryset.model
        columns = [
            f
            for f in model._meta.concrete_fields
            if isinstance(f, models.CharField | models.TextField)
            and not f.choices
            and not f.primary_key
            and f.editable
            and f.name not in NOT_FREE_TEXT
        ]
        for pk in queryset.values_list("pk", flat=True):
            model._default_manager.filter(pk=pk).update(
                **{f.name: self.value(f"{model.__name__}.{f.name}", f.max_length) for f in columns}
            )


@pytest.fixture
def hostile(listener):
    return Hostile(listener.port)


def printed(pdf_text, pdf: bytes) -> bytes:
    """The document's text runs joined (reportlab splits lines into runs)."""
    return b"".join(re.findall(rb"\((.*?)\) Tj", pdf_text(pdf)))


def write_people(hostile, organisation):
    hostile.write_rows(Organisation.objects.filter(pk=organisation.pk))
    hostile.write_rows(Location.objects.filter(organisation=organisation))
    hostile.write_rows(get_user_model().objects.filter(organisation=organisation))
    hostile.write_rows(Patient.objects.filter(organisation=organisation))


# ---------------------------------------------------------------- one builder per PDF


def session_record(hostile, staff, make_chart, **_):
    session = make_chart(events=["nausea"])
    now = timezone.now()
    TreatmentSession.objects.filter(pk=session.pk).update(
        held_at=now, overridden_at=now, overridden_by=staff["prescriber"]
    )
    SessionAddendum.objects.create(session=session, written_by=staff["nurse"], written_at=now, text="x")
    write_people(hostile, session.organisation)
    for model in (TreatmentSession, SessionCheck, DosePreparation, AdverseEvent, DischargeAssessment, SessionAddendum):
        hostile.write_rows(
            model.objects.filter(**({"pk": session.pk} if model is TreatmentSession else {"session": session}))
        )
    hostile.write_rows(ProtocolTemplate.objects.filter(pk=session.template_id))
    return staff["prescriber"], reverse("treatments:record_pdf", args=[session.pk])


SESSION_RECORD_PRINTS = [
    "Patient.first_name",
    "Patient.last_name",
    "Patient.record_number",
    "Organisation.name",
    "Location.name",
    "User.first_name",
    "User.last_name",
    "ProtocolTemplate.name",
    "TreatmentSession.hold_reason",
    "TreatmentSession.override_reason",
    "SessionCheck.note",
    "DosePreparation.lot",
    "AdverseEvent.description",
    "AdverseEvent.action_taken",
    "AdverseEvent.rescue_medicine",
    "DischargeAssessment.escort_name",
    "DischargeAssessment.note",
    "SessionAddendum.text",
]


def rems_form(hostile, staff, make_chart, certified, **_):
    session = make_chart()
    form = rems_actions.do_create_form_from_session(staff["nurse"], session.pk)
    write_people(hostile, session.organisation)
    hostile.write_rows(MonitoringForm.objects.filter(pk=form.pk))
    hostile.write_rows(RemsCertification.objects.filter(pk=certified.pk))
    return staff["nurse"], reverse("rems:form_pdf", args=[form.pk])


REMS_FORM_PRINTS = [
    "Patient.first_name",
    "Patient.last_name",
    "Location.name",
    "Location.address",
    "User.first_name",
    "User.last_name",
    "MonitoringForm.lot_number",
    "MonitoringForm.notes",
]


def progress_summary(hostile, staff, make_chart, patient, **_):
    session = make_chart(events=["nausea"])
    AdverseEvent.objects.filter(session=session).update(rescue_medicine="x", rescue_dose_mg=Decimal("1"))
    write_people(hostile, session.organisation)
    hostile.write_rows(AdverseEvent.objects.filter(session=session))
    return staff["prescriber"], reverse("reports:progress_summary", kwargs={"patient_id": patient.pk})


PROGRESS_SUMMARY_PRINTS = [
    "Patient.first_name",
    "Patient.last_name",
    "Patient.record_number",
    "Patient.referring_clinician_name",
    "Patient.referring_clinician_practice",
    "Organisation.name",
    "Location.name",
    "User.first_name",
    "AdverseEvent.action_taken",
    "AdverseEvent.rescue_medicine",
]


def ledger_stock(hostile, staff, portland, patient, password, make_products, receive, **_):
    """Stock at Portland and one witnessed waste for the patient, everything hostile."""
    Registration.objects.create(location=portland, registrant_name="x", dea_number="AB1234563")
    vial = receive(staff["nurse"], portland, make_products(staff["clinic_admin"])[0])[0].vial
    ledger_actions.do_record_waste(
        staff["nurse"],
        vial_id=vial.pk,
        quantity_mg=Decimal("5"),
        witness=staff["prescriber"],
        witness_password=password,
        reason=hostile.value("LedgerEntry.reason"),
        patient=patient,
    )
    write_people(hostile, portland.organisation)
    for model in (Product, Vial, Registration):
        hostile.write_rows(model.objects.all())


def ledger_dispensing_log(hostile, staff, portland, **fixtures):
    ledger_stock(hostile, staff, portland, **fixtures)
    return staff["clinic_admin"], reverse(
        "ledger:export", args=[portland.pk]
    ) + "?kind=dispensing&format=pdf&inventory_type=biennial&business_time=close"


LEDGER_DISPENSING_PRINTS = [
    "Registration.registrant_name",
    "Location.name",
    "Location.address",
    "Product.name",
    "Vial.lot",
    "Vial.identifier",
    "Patient.first_name",
    "Patient.last_name",
    "Patient.address_line",
    "Patient.city",
    "User.first_name",
    "User.title",
    "LedgerEntry.reason",
]


def ledger_inventory(hostile, staff, portland, **fixtures):
    ledger_stock(hostile, staff, portland, **fixtures)
    query = "?kind=inventory&format=pdf&inventory_type=biennial&business_time=opening"
    return staff["clinic_admin"], reverse("ledger:export", args=[portland.pk]) + query


LEDGER_INVENTORY_PRINTS = [
    "Registration.registrant_name",
    "Location.name",
    "Product.name",
    "Vial.lot",
    "Vial.identifier",
]


def consultation_note(hostile, staff, patient, **_):
    prescriber = staff["prescriber"]
    write_people(hostile, patient.organisation)
    note = consultation_actions.do_create_consultation_note(prescriber, patient.pk)
    # Written while a draft: a signed note refuses the UPDATE (consultations/guard.py).
    hostile.write_rows(ConsultationNote.objects.filter(pk=note.pk))
    consultation_actions.do_sign_consultation_note(prescriber, note.pk)
    consultation_actions.do_add_consultation_note_addendum(
        prescriber, note.pk, text=hostile.value("ConsultationNoteAddendum.text")
    )
    return prescriber, reverse("consultations:note_pdf", kwargs={"pk": note.pk})


CONSULTATION_NOTE_PRINTS = [
    "Patient.first_name",
    "Patient.last_name",
    "Patient.record_number",
    "Organisation.name",
    "User.first_name",
    *(f"ConsultationNote.{name}" for name in CONSULTATION_NOTE_TEXT_FIELDS),
    "ConsultationNoteAddendum.text",
]


def referral_letter(hostile, staff, make_chart, patient, **_):
    prescriber = staff["prescriber"]
    make_chart(events=["nausea"])
    write_people(hostile, patient.organisation)
    letter = letter_actions.do_create_referral_letter(prescriber, patient.pk, recipient_name="Dr Rivera")
    hostile.write_rows(ReferralLetter.objects.filter(pk=letter.pk))  # while a draft, as the author edits it
    letter_actions.do_sign_referral_letter(prescriber, letter.pk)
    return prescriber, reverse("reports:letter_pdf", kwargs={"pk": letter.pk})


REFERRAL_LETTER_PRINTS = [
    "Patient.first_name",
    "Patient.last_name",
    "Patient.record_number",
    "User.first_name",
    "ReferralLetter.letterhead_name",
    "ReferralLetter.letterhead_address",
    "ReferralLetter.letterhead_phone",
    "ReferralLetter.recipient_name",
    "ReferralLetter.recipient_address",
    "ReferralLetter.body",
]


def signed_consent(hostile, staff, patient, **_):
    write_people(hostile, patient.organisation)
    builtin = template_for_coverage(patient.organisation_id, Coverage.KETAMINE_IV)
    own = consent_actions.do_new_consent_template_version(staff["clinic_admin"], builtin.pk, major=False)
    hostile.write_rows(ConsentTemplate.objects.filter(pk=own.pk))  # the clinic's text, as its admin typed it
    nurse = staff["nurse"]
    nurse.refresh_from_db()
    consent = consent_actions.do_sign_consent(
        nurse,
        patient.pk,
        template_id=own.pk,
        typed_name=hostile.value("SignedConsent.typed_name", 200),
        signature_data_url=signature_data_url(),
        channel="kiosk",
    )
    return nurse, reverse("consents:pdf", args=[consent.pk])


SIGNED_CONSENT_PRINTS = [
    "Patient.first_name",
    "Patient.last_name",
    "Patient.record_number",
    "Organisation.name",
    "User.first_name",
    "ConsentTemplate.title",
    "ConsentTemplate.body_markdown",
    "SignedConsent.typed_name",
]


PDFS = {
    "session record": (session_record, SESSION_RECORD_PRINTS),
    "REMS monitoring form": (rems_form, REMS_FORM_PRINTS),
    "progress summary": (progress_summary, PROGRESS_SUMMARY_PRINTS),
    "ledger dispensing log": (ledger_dispensing_log, LEDGER_DISPENSING_PRINTS),
    "ledger inventory": (ledger_inventory, LEDGER_INVENTORY_PRINTS),
    "consultation note": (consultation_note, CONSULTATION_NOTE_PRINTS),
    "referral letter": (referral_letter, REFERRAL_LETTER_PRINTS),
    "signed consent": (signed_consent, SIGNED_CONSENT_PRINTS),
}


@pytest.mark.parametrize("name", PDFS)
def test_every_pdf_prints_user_text_as_text_and_fetches_nothing(
    name,
    hostile,
    listener,
    client,
    signed_in,
    pdf_text,
    staff,
    patient,
    portland,
    password,
    make_chart,
    certified,
    enrolled,
    make_products,
    receive,
):
    build, prints = PDFS[name]
    viewer, url = build(
        hostile,
        staff=staff,
        make_chart=make_chart,
        certified=certified,
        patient=patient,
        portland=portland,
        password=password,
        make_products=make_products,
        receive=receive,
    )
    viewer.refresh_from_db()
    signed_in(viewer)
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    pdf = b"".join(response) if response.streaming else response.content
    assert listener.paths == [], f"rendering {name} fetched {listener.paths}"
    text_runs = printed(pdf_text, pdf)
    missing = [
        column for column in prints if not any(marker in text_runs for marker in hostile.markers.get(column, []))
    ]
    assert missing == [], f"{name}: these columns' text is not printed as typed: {missing}"
    # The stray `<` and `&` after the `<img>` are printed too (a line may break at any space).
    assert re.search(rb"a ?< ?b ?& ?c", text_runs)
