"""The insurance pages, the chart section and the API: the same actions, errors on the field they name, nothing
changed by bad input, another clinic's rows not found."""

import datetime as dt

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditEntry
from ketacare.billing.models import AcquisitionMode, Coverage, PriorAuthorization, SessionAcquisition
from ketacare.billing.selectors.insurance import patient_today

pytestmark = pytest.mark.django_db

JSON = "application/json"


@pytest.fixture
def payer(aetna):
    return aetna


@pytest.fixture
def coverage(aetna_coverage):
    return aetna_coverage


@pytest.fixture
def low_authorization(coverage, staff, make_prior_authorization):
    """Approved for one session, expiring in ten days (the patient's today): the watch list and the chart warn."""
    today = patient_today(coverage.patient)
    return make_prior_authorization(
        coverage,
        staff["billing"],
        start_date=today - dt.timedelta(days=5),
        end_date=today + dt.timedelta(days=10),
        approved_sessions=1,
        number="PA-LOW",
    )


def test_billing_reads_a_patients_insurance_and_the_read_is_audited(signed_in, staff, patient, low_authorization):
    page = signed_in(staff["billing"]).get(reverse("billing:insurance_patient", args=[patient.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "W123456789" in text and "PA-LOW" in text
    assert "0 of 1 session(s) used" in text and "expires in 10 day(s)" in text
    assert AuditEntry.objects.filter(actor=staff["billing"], action="view", patient_id=patient.pk).exists()


def test_the_coverage_form_shows_errors_on_their_fields_and_adds_nothing(signed_in, staff, patient, payer):
    client = signed_in(staff["front_desk"])
    url = reverse("billing:insurance_coverage_new", args=[patient.pk])
    bad = client.post(url, {"payer_id": payer.pk, "member_id": "W1", "priority": "P", "relationship": "01"})
    assert bad.status_code == 422
    assert "subscriber" in bad.content.decode()
    assert Coverage.objects.count() == 0
    good = client.post(url, {"payer_id": payer.pk, "member_id": "W1", "priority": "P", "relationship": "18"})
    assert good.status_code == 302 and good.url == reverse("billing:insurance_patient", args=[patient.pk])
    assert Coverage.objects.get().member_id == "W1"


def test_an_authorization_is_recorded_then_approved_through_the_pages(signed_in, staff, coverage):
    client = signed_in(staff["billing"])
    client.post(reverse("billing:insurance_authorization_new", args=[coverage.pk]), {"status": "pending"})
    authorization = PriorAuthorization.objects.get()
    url = reverse("billing:insurance_authorization_edit", args=[authorization.pk])
    refused = client.post(url, {"status": "approved", "number": "PA-9"})
    assert refused.status_code == 422 and "Give the first day the approval covers." in refused.content.decode()
    approved = client.post(
        url,
        {
            "status": "approved",
            "number": "PA-9",
            "service_code": "J0013",
            "approved_sessions": "6",
            "start_date": "2026-12-01",
            "end_date": "2027-03-01",
        },
    )
    assert approved.status_code == 302
    authorization.refresh_from_db()
    assert (authorization.status, authorization.approved_sessions) == ("approved", 6)


def test_the_watch_list_names_authorizations_running_out(signed_in, staff, patient, low_authorization):
    page = signed_in(staff["front_desk"]).get(reverse("billing:insurance_authorizations"))
    assert "PA-LOW" in page.content.decode() and patient.last_name in page.content.decode()


def test_the_chart_shows_insurance_to_front_desk_not_to_nurses(signed_in, staff, patient, low_authorization):
    chart = reverse("patients:detail", args=[patient.pk])
    front_desk = signed_in(staff["front_desk"]).get(chart).content.decode()
    assert 'id="insurance-section"' in front_desk and "PA-LOW" in front_desk
    assert 'id="insurance-section"' not in signed_in(staff["nurse"]).get(chart).content.decode()


def test_the_acquisition_page_is_read_by_therapists_and_written_by_nurses(signed_in, staff, make_chart, patient):
    session = make_chart(patient=patient)
    url = reverse("billing:insurance_acquisition", args=[session.pk])
    therapist = signed_in(staff["therapist"])
    assert therapist.get(url).status_code == 200
    assert therapist.post(url, {"mode": "buy_and_bill"}).status_code == 403
    nurse = signed_in(staff["nurse"])
    assert nurse.post(url, {"mode": "specialty_pharmacy"}).status_code == 422
    assert nurse.post(url, {"mode": "buy_and_bill"}).status_code == 302
    assert SessionAcquisition.objects.get(session=session).mode == AcquisitionMode.BUY_AND_BILL


# ---------------------------------------------------------------- API


def test_the_api_adds_coverage_records_benefits_and_authorizations(signed_in, staff, patient, payer):
    client = signed_in(staff["billing"])
    bad = client.post(
        f"/api/v1/billing/insurance/patients/{patient.pk}/coverages",
        {"payer_id": payer.pk, "member_id": "W1", "priority": "Z"},
        content_type=JSON,
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "priority"
    assert Coverage.objects.count() == 0
    created = client.post(
        f"/api/v1/billing/insurance/patients/{patient.pk}/coverages",
        {"payer_id": payer.pk, "member_id": "W1"},
        content_type=JSON,
    )
    assert created.status_code == 201 and created.json()["payer_name"] == "Aetna"
    coverage_id = created.json()["id"]
    benefits = client.post(
        f"/api/v1/billing/insurance/coverages/{coverage_id}/benefits-investigations",
        {"result": "pa_required", "copay": "25.00"},
        content_type=JSON,
    )
    assert benefits.status_code == 201 and benefits.json()["copay"] == "25.00"
    authorization = client.post(
        f"/api/v1/billing/insurance/coverages/{coverage_id}/prior-authorizations",
        {
            "status": "approved",
            "number": "PA-1",
            "approved_sessions": 4,
            "start_date": "2026-12-01",
            "end_date": "2027-02-01",
            "service_code": "J0013",
        },
        content_type=JSON,
    )
    assert authorization.status_code == 201
    changed = client.patch(
        f"/api/v1/billing/insurance/prior-authorizations/{authorization.json()['id']}",
        {"approved_sessions": 6},
        content_type=JSON,
    )
    assert changed.status_code == 200 and changed.json()["approved_sessions"] == 6
    file = client.get(f"/api/v1/billing/insurance/patients/{patient.pk}").json()
    assert file["primary_coverage_id"] == coverage_id
    assert file["prior_authorizations"][0]["usage"]["sessions_left"] == 6


def test_the_api_refuses_roles_and_hides_another_clinics_rows(signed_in, staff, other_staff, patient, coverage, payer):
    assert signed_in(staff["nurse"]).get(f"/api/v1/billing/insurance/patients/{patient.pk}").status_code == 403
    assert (
        signed_in(staff["front_desk"])
        .post("/api/v1/billing/insurance/payers", {"name": "Cigna", "kind": "commercial"}, content_type=JSON)
        .status_code
        == 403
    )
    other = signed_in(other_staff["billing"])
    assert other.get(f"/api/v1/billing/insurance/patients/{patient.pk}").status_code == 404
    assert (
        other.patch(f"/api/v1/billing/insurance/payers/{payer.pk}", {"name": "X"}, content_type=JSON).status_code == 404
    )
    assert other.get("/api/v1/billing/insurance/payers").json() == []


def test_the_api_records_acquisition_and_gives_the_checkin_warning(signed_in, staff, make_chart, patient, coverage):
    session = make_chart(patient=patient, discharged=False)
    client = signed_in(staff["nurse"])
    read = client.get(f"/api/v1/billing/insurance/sessions/{session.pk}").json()
    assert read["authorization_warnings"] == ["No esketamine prior authorisation with Aetna is on file."]
    recorded = client.put(
        f"/api/v1/billing/insurance/sessions/{session.pk}/acquisition", {"mode": "buy_and_bill"}, content_type=JSON
    )
    assert recorded.status_code == 200 and recorded.json()["acquisition"]["mode"] == "buy_and_bill"
    assert (
        signed_in(staff["therapist"])
        .put(
            f"/api/v1/billing/insurance/sessions/{session.pk}/acquisition", {"mode": "buy_and_bill"}, content_type=JSON
        )
        .status_code
        == 403
    )
