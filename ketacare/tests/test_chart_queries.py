"""The patient chart /patients/<id>/ and the sections other apps add to it (patients.hooks) read in a number of
queries that does not grow with the record, and read only what they show (issue 19: the chart was the slowest
page of the load benchmark)."""

import datetime as dt
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.billing.actions.accounts import do_issue_invoice, do_record_payment
from ketacare.billing.actions.packages import do_sell_package
from ketacare.candidacy.actions import do_record_decision
from ketacare.consents.actions import do_revoke_consent
from ketacare.fhir.imports.actions import SOURCE_SYSTEM_PREFIX
from ketacare.fhir.imports.models import ImportedResource
from ketacare.patients import actions as patient_actions

# The roles whose charts differ: the nurse (clinical forms), the front desk and the clinic admin (billing and
# insurance sections, portal-account buttons, merged records).
CHART_READERS = ("nurse", "front_desk", "clinic_admin")


def _chart_queries(client, patient) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    return [query["sql"] for query in queries.captured_queries]


def _add_to_record(patient, staff, round_number: int, sign_consents_for_route, billing) -> None:
    """One more of everything the chart or its sections list: clinical entries, a consent withdrawn and signed
    again, a candidacy decision, a resource imported from another system, a package sold and invoiced, a
    payment, a prior authorisation."""
    prescriber, nurse, front_desk = staff["prescriber"], staff["nurse"], staff["front_desk"]
    patient_actions.do_add_diagnosis(
        prescriber, patient.pk, icd10_code=f"F33.{round_number % 10}", description="Major depressive disorder"
    )
    patient_actions.do_add_allergy(nurse, patient.pk, substance=f"Substance {round_number}")
    patient_actions.do_add_medication(prescriber, patient.pk, name=f"Medicine {round_number}", dose="10 mg")
    patient_actions.do_record_weight(
        nurse, patient.pk, weight_kg=Decimal("70.5"), measured_on=patient.today() - dt.timedelta(days=round_number)
    )
    for consent in patient.signed_consents.filter(revocation__isnull=True):
        do_revoke_consent(nurse, consent.pk, reason="Withdrawn by phone")
    sign_consents_for_route(patient, "iv", nurse)
    do_record_decision(prescriber, patient.pk, route="ketamine_im", decision="approve", reason="Reviewed again")
    ImportedResource.objects.create(
        organisation=patient.organisation,
        source_system=f"{SOURCE_SYSTEM_PREFIX}old-ehr",
        resource_type="Condition",
        source_id=f"condition-{round_number}",
        content_sha256="0" * 64,
        target_model="patients.Diagnosis",
        target_id=round_number,
        patient=patient,
    )
    do_sell_package(front_desk, patient.pk, offer_id=billing["offer"].pk)
    do_issue_invoice(front_desk, patient.pk)
    do_record_payment(front_desk, patient.pk, amount="100.00", method="cash")
    today = patient.today()
    billing["make_prior_authorization"](
        billing["coverage"],
        front_desk,
        start_date=today - dt.timedelta(days=round_number),
        end_date=today + dt.timedelta(days=30 + round_number),
        number=f"PA-{round_number:04d}",
    )


def test_the_charts_query_count_does_not_grow_with_the_record(
    signed_in,
    staff,
    patient,
    make_treatment_plan,
    sign_consents_for_route,
    make_package_offer,
    make_payer,
    make_coverage,
    make_prior_authorization,
):
    make_treatment_plan(patient, "iv-racemic-ketamine", staff["prescriber"])  # a plan, its approval and its consents
    billing = {
        "offer": make_package_offer(patient.organisation),
        "coverage": make_coverage(patient, make_payer(patient.organisation), staff["front_desk"]),
        "make_prior_authorization": make_prior_authorization,
    }
    for round_number in range(1, 3):
        _add_to_record(patient, staff, round_number, sign_consents_for_route, billing)
    counts = {}
    for role in CHART_READERS:
        reader = signed_in(staff[role])
        _chart_queries(reader, patient)  # the session's first read and per-process caches out of the count
        counts[role] = len(_chart_queries(reader, patient))
    for round_number in range(3, 7):  # three times as many rows of each kind
        _add_to_record(patient, staff, round_number, sign_consents_for_route, billing)
    for role in CHART_READERS:
        reader = signed_in(staff[role])
        _chart_queries(reader, patient)
        assert len(_chart_queries(reader, patient)) == counts[role], role


def test_the_chart_reads_no_long_text_or_file_it_does_not_show(signed_in, staff, patient, sign_consents_for_route):
    """Consent texts' bodies, the signed text, its drawing and its PDF are read where they are shown or
    downloaded; the patient's row by its key, with no ORDER BY, and without the organisation (the reader's)."""
    sign_consents_for_route(patient, "iv", staff["nurse"])
    reader = signed_in(staff["nurse"])
    _chart_queries(reader, patient)
    queries = _chart_queries(reader, patient)
    consent_reads = [sql for sql in queries if re.search(r'FROM "consents_(signedconsent|consenttemplate)"', sql)]
    assert len(consent_reads) == 2
    for column in ("body_markdown", '"source"', '"pdf"', "signature_png", "text_signed", '"password"'):
        assert not any(column in sql for sql in consent_reads), column
    [patient_read] = [sql for sql in queries if re.search(r'FROM "patients_patient"', sql)]
    assert "ORDER BY" not in patient_read and "clinics_organisation" not in patient_read
