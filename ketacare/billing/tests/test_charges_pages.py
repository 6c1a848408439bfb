"""The charges worklist, one charge's page, the manual charge form, the API, the nav entry and billing's home."""

from decimal import Decimal

import pytest

from ketacare.billing.actions import charges as actions
from ketacare.billing.models import AccountEntry, Charge, ChargeStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def drafts(staff, patient, portland, fee_schedule):
    return [
        actions.do_add_manual_charge(
            staff["billing"],
            patient.pk,
            fee_item_id=fee_schedule[code].pk,
            location_id=portland.pk,
            service_date="2026-12-01",
        )
        for code in ("99214", "90834")
    ]


def test_billing_lands_on_the_charges_worklist_and_finalises_ticked_drafts(signed_in, staff, drafts):
    client = signed_in(staff["billing"])
    assert client.get("/").url == "/billing/charges/"
    page = client.get("/billing/charges/")
    assert page.status_code == 200
    assert b'href="/billing/charges/">Billing</a>' in page.content  # the navigation's entry
    assert all(f'id="charge-{charge.pk}"'.encode() in page.content for charge in drafts)
    response = client.post("/billing/charges/finalise/", {"charge_ids": [str(drafts[0].pk)]})
    assert response.status_code == 302
    statuses = dict(Charge.objects.values_list("pk", "status"))
    assert statuses == {drafts[0].pk: ChargeStatus.FINAL, drafts[1].pk: ChargeStatus.DRAFT}
    assert f'id="charge-{drafts[0].pk}"'.encode() not in client.get("/billing/charges/").content  # drafts only


def test_care_team_has_no_billing_entry(signed_in, staff):
    page = signed_in(staff["nurse"]).get("/sessions/")
    assert b">Billing</a>" not in page.content


def test_worklist_filter_error_is_named(signed_in, staff, drafts):
    response = signed_in(staff["billing"]).get("/billing/charges/?date_from=2026-12-05&date_to=2026-12-01")
    assert response.status_code == 422 and "date_to" in response.context["filters"].errors


def test_charge_page_edit_errors_are_on_their_fields_and_change_nothing(signed_in, staff, drafts):
    charge = drafts[0]
    client = signed_in(staff["billing"])
    fields = {
        "code": "99214",
        "modifiers": "",
        "description": "Visit",
        "units": "0",
        "unit_price": "1.234",
        "diagnosis_codes": "not-a-code",
        "place_of_service": "11",
        "service_date": "2026-12-01",
        "rendering_provider_id": "",
    }
    response = client.post(f"/billing/charges/{charge.pk}/", fields)
    assert response.status_code == 422
    assert set(response.context["edit_form"].errors) == {"units", "unit_price", "diagnosis_codes"}
    charge.refresh_from_db()
    assert (charge.units, charge.description) == (1, "Office visit, established patient")
    ok = {
        **fields,
        "units": "2",
        "unit_price": "150.00",
        "diagnosis_codes": "F33.2",
        "rendering_provider_id": str(staff["prescriber"].pk),
    }
    assert client.post(f"/billing/charges/{charge.pk}/", ok).status_code == 302
    charge.refresh_from_db()
    assert (charge.amount, charge.rendering_provider, charge.diagnosis_codes) == (
        Decimal("300.00"),
        staff["prescriber"],
        ["F33.2"],
    )


def test_finalise_then_void_from_the_charge_page(signed_in, staff, drafts):
    charge = drafts[0]
    client = signed_in(staff["clinic_admin"])
    assert client.post(f"/billing/charges/{charge.pk}/finalise/").status_code == 302
    response = client.post(f"/billing/charges/{charge.pk}/void/", {"reason": ""})
    assert response.status_code == 422 and "reason" in response.context["void_form"].errors
    assert client.post(f"/billing/charges/{charge.pk}/void/", {"reason": "Entered twice"}).status_code == 302
    assert sorted(AccountEntry.objects.filter(charge=charge).values_list("kind", flat=True)) == ["charge", "reversal"]
    page = client.get(f"/billing/charges/{charge.pk}/")
    assert b"Entered twice" in page.content and b"Correct the draft" not in page.content


def test_manual_charge_form_names_an_unknown_record_number(signed_in, staff, patient, portland, fee_schedule):
    client = signed_in(staff["billing"])
    fields = {
        "record_number": "T-99999",
        "fee_item_id": str(fee_schedule["99214"].pk),
        "location_id": str(portland.pk),
        "service_date": "2026-12-01",
        "units": "1",
    }
    response = client.post("/billing/charges/new/", fields)
    assert response.status_code == 422 and "record_number" in response.context["form"].errors
    assert not Charge.objects.exists()
    response = client.post("/billing/charges/new/", {**fields, "record_number": patient.record_number})
    charge = Charge.objects.get()
    assert response.url == f"/billing/charges/{charge.pk}/" and charge.amount == Decimal("180.00")


def test_nurse_and_therapist_get_403_and_another_clinic_404(signed_in, staff, other_staff, drafts):
    for role in ("nurse", "therapist"):
        client = signed_in(staff[role])
        assert client.get("/billing/charges/").status_code == 403
        assert client.post(f"/billing/charges/{drafts[0].pk}/finalise/").status_code == 403
    other = signed_in(other_staff["billing"])
    assert other.get(f"/billing/charges/{drafts[0].pk}/").status_code == 404
    assert other.post(f"/billing/charges/{drafts[0].pk}/finalise/").status_code == 404
    assert Charge.objects.filter(status=ChargeStatus.DRAFT).count() == 2


# --- API


def test_charges_api_edits_finalises_and_voids(signed_in, staff, drafts, patient, portland, fee_schedule):
    client = signed_in(staff["billing"])
    listed = client.get("/api/v1/billing/charges").json()
    assert sorted(row["id"] for row in listed) == sorted(charge.pk for charge in drafts)
    charge_id = drafts[0].pk
    bad = client.patch(f"/api/v1/billing/charges/{charge_id}", {"units": "-2"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "units"
    patched = client.patch(
        f"/api/v1/billing/charges/{charge_id}",
        {"units": "3", "diagnosis_codes": ["f33.2"]},
        content_type="application/json",
    )
    assert patched.status_code == 200 and patched.json()["amount"] == "540.00"
    done = client.post("/api/v1/billing/charges/finalise", {"charge_ids": [charge_id]}, content_type="application/json")
    assert done.status_code == 200 and done.json()[0]["status"] == "final"
    refused = client.patch(f"/api/v1/billing/charges/{charge_id}", {"units": "1"}, content_type="application/json")
    assert refused.status_code == 422
    voided = client.post(
        f"/api/v1/billing/charges/{charge_id}/void", {"reason": "Duplicate"}, content_type="application/json"
    )
    assert voided.status_code == 200 and voided.json()["status"] == "voided"
    manual = client.post(
        "/api/v1/billing/charges",
        {
            "patient_id": patient.pk,
            "fee_item_id": fee_schedule["J0013"].pk,
            "location_id": portland.pk,
            "service_date": "2026-12-02",
            "units": "56",
        },
        content_type="application/json",
    )
    assert manual.status_code == 201 and manual.json()["amount"] == "672.00"


def test_charges_api_refuses_the_care_team_and_hides_another_clinics_charges(signed_in, staff, other_staff, drafts):
    assert signed_in(staff["nurse"]).get("/api/v1/billing/charges").status_code == 403
    assert signed_in(staff["therapist"]).post(f"/api/v1/billing/charges/{drafts[0].pk}/finalise").status_code == 403
    other = signed_in(other_staff["billing"])
    assert other.get(f"/api/v1/billing/charges/{drafts[0].pk}").status_code == 404
    assert other.get("/api/v1/billing/charges").json() == []
