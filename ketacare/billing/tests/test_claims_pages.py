"""Claims pages, PDFs and API: the same actions as the commands, refusals named, nothing changed by bad input."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from ketacare.billing.actions.claims import do_build_claims, do_change_claim_status, do_export_837p, do_void_claim
from ketacare.billing.models import AccountEntry, Claim, ClaimExport, ClaimStatus, EntryKind, PaymentMethod

DAY = dt.date(2026, 12, 1)


@pytest.fixture
def insured(claims_ready_org, patient, medicare, staff, insure):
    insure(patient, medicare, staff["billing"], group_number="GRP <b>7</b>")
    return patient


@pytest.fixture
def g2083(insured, portland, staff, make_final_charge):
    return make_final_charge(
        insured,
        portland,
        staff["billing"],
        service_date=DAY,
        rendering_provider=staff["prescriber"],
        diagnosis_codes=["F33.2", "F41.1"],
    )


def test_build_then_ready_then_export_download(g2083, staff, signed_in, x12_problems):
    client = signed_in(staff["billing"])
    response = client.post(reverse("billing:claims_build"), {"date_from": "", "date_to": ""})
    assert response.status_code == 302
    claim = Claim.objects.get()
    assert "C000001" in client.get(reverse("billing:claims")).content.decode()
    response = client.post(reverse("billing:claim", args=[claim.pk]), {"status": "ready"})
    assert response.status_code == 302 and Claim.objects.get().status == ClaimStatus.READY

    response = client.post(reverse("billing:claims_export"), {"date_from": "2026-12-01", "date_to": "2026-12-31"})

    assert response.status_code == 200 and response["Content-Type"] == "application/edi-x12"
    assert 'filename="837p-000000001.x12"' in response["Content-Disposition"]
    text = response.content.decode()
    assert x12_problems(text) == [] and "SV1*HC:G2083*1289.82*UN*1***1:2~" in text
    again = client.get(reverse("billing:claims_export_file", args=[ClaimExport.objects.get().pk]))
    assert again.content.decode() == text
    assert Claim.objects.get().status == ClaimStatus.SENT


def test_bad_input_on_pages_names_the_field_and_changes_nothing(g2083, staff, signed_in):
    client = signed_in(staff["billing"])
    response = client.post(reverse("billing:claims_build"), {"date_from": "2026-12-09", "date_to": "2026-12-01"})
    assert response.status_code == 422 and "The last day is before the first." in response.content.decode()
    assert not Claim.objects.exists()
    claim = do_build_claims(staff["billing"])[0]
    response = client.post(reverse("billing:claim", args=[claim.pk]), {"status": "paid", "paid_amount": "x"})
    assert response.status_code == 422
    assert Claim.objects.get().status == ClaimStatus.DRAFT
    response = client.post(reverse("billing:claims_export"), {"date_from": "", "date_to": ""})
    assert response.status_code == 422 and "No claims are ready to send" in response.content.decode()
    response = client.get(reverse("billing:superbill", args=[g2083.patient_id]), {"date_from": "soon", "date_to": ""})
    assert response.status_code == 422 and "Enter a valid date" in response.content.decode()


def test_cms1500_pdf_carries_the_claims_items(g2083, staff, signed_in, pdf_text):
    claim = do_build_claims(staff["billing"])[0]
    response = signed_in(staff["billing"]).get(reverse("billing:claim_cms1500", args=[claim.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (b"C000001", b"1EG4TE5MK73", b"G2083", b"1245319599", b"1234567893", b"F33.2", b"AB"):
        assert expected in text
    assert b"GRP <b>7</b>" in b"".join(re.findall(rb"\((.*?)\) Tj", text))  # printed as typed, never markup


def test_superbill_lists_services_ids_and_what_was_paid(
    g2083, insured, portland, staff, signed_in, pdf_text, make_final_charge
):
    AccountEntry.objects.create(
        organisation=insured.organisation,
        patient=insured,
        kind=EntryKind.PAYMENT,
        amount=Decimal("-200.00"),
        charge=g2083,
        method=PaymentMethod.CARD_TERMINAL,
        posted_at=g2083.created_at,
        posted_by=staff["front_desk"],
    )
    make_final_charge(
        insured, portland, staff["billing"], code="99214", amount="180.00", service_date=DAY - dt.timedelta(days=60)
    )
    client = signed_in(staff["front_desk"])  # the front desk hands superbills out
    assert client.get(reverse("billing:claims_patient", args=[insured.pk])).status_code == 200
    response = client.get(
        reverse("billing:superbill", args=[insured.pk]), {"date_from": "2026-11-15", "date_to": "2026-12-31"}
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    for expected in (
        b"G2083",
        b"$1,289.82",
        b"$200.00",
        b"1EG4TE5MK73",
        b"1245319599",
        b"123456789",
        b"F41.1",
        b"T-00001",
    ):
        assert expected in text
    assert b"99214" not in text  # outside the dates


def test_another_organisation_gets_404(g2083, staff, other_staff, signed_in):
    claim = do_build_claims(staff["billing"])[0]
    client = signed_in(other_staff["billing"])
    assert client.get(reverse("billing:claim", args=[claim.pk])).status_code == 404
    assert client.get(reverse("billing:claim_cms1500", args=[claim.pk])).status_code == 404
    assert client.get(reverse("billing:claims_patient", args=[g2083.patient_id])).status_code == 404


def test_api_build_status_and_export(g2083, staff, signed_in, x12_problems):
    client = signed_in(staff["billing"])
    response = client.post("/api/v1/billing/claims/build", {}, content_type="application/json")
    assert response.status_code == 201
    claim_id = response.json()[0]["id"]
    assert response.json()[0]["lines"][0]["code"] == "G2083"
    response = client.post(
        f"/api/v1/billing/claims/{claim_id}/status", {"status": "sent"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "status"
    response = client.post(
        f"/api/v1/billing/claims/{claim_id}/status", {"status": "ready"}, content_type="application/json"
    )
    assert response.status_code == 200 and response.json()["status"] == "ready"
    response = client.post(
        "/api/v1/billing/claims/export-837p", {"date_from": "2026-12-01"}, content_type="application/json"
    )
    assert response.status_code == 201 and response.json()["claims"] == ["C000001"]
    assert x12_problems(response.json()["content"]) == []
    assert client.get(f"/api/v1/billing/claims/{claim_id}").json()["status"] == "sent"


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber"])
def test_api_refuses_roles_without_claims(g2083, staff, signed_in, role):
    client = signed_in(staff[role])
    assert client.get("/api/v1/billing/claims").status_code == 403
    assert client.post("/api/v1/billing/claims/build", {}, content_type="application/json").status_code == 403
    assert not Claim.objects.exists()


def test_the_nav_offers_claims_to_who_manages_them(claims_ready_org, staff, signed_in):
    claims_link = f'href="{reverse("billing:claims")}"'
    assert claims_link in signed_in(staff["billing"]).get(reverse("billing:claims")).content.decode()
    assert claims_link not in signed_in(staff["front_desk"]).get(reverse("accounts:me")).content.decode()


def test_superbill_prints_typed_text_as_text(g2083, insured, staff, signed_in, pdf_text):
    """A stray `<` and an `<img>` in the patient's address and the charge's description: printed as typed."""
    hostile = "<img src='http://127.0.0.1:9/x'> & <b"
    type(insured).objects.filter(pk=insured.pk).update(address_line=hostile)
    type(g2083).objects.filter(pk=g2083.pk).update(description=f"Esketamine {hostile}")
    response = signed_in(staff["billing"]).get(
        reverse("billing:superbill", args=[insured.pk]), {"date_from": "2026-12-01", "date_to": "2026-12-01"}
    )
    assert response.status_code == 200
    printed = b"".join(re.findall(rb"\((.*?)\) Tj", pdf_text(response.content)))
    assert b"<img src='http://127.0.0.1:9/x'> & <b" in printed.replace(b"\\(", b"(").replace(b"\\)", b")")


def _sent(staff) -> Claim:
    claim = do_build_claims(staff["billing"])[0]
    do_change_claim_status(staff["billing"], claim.pk, status="ready")
    do_export_837p(staff["billing"])
    return claim


def test_claim_page_records_the_payers_number_then_corrects_the_claim(g2083, staff, signed_in):
    claim = _sent(staff)
    client = signed_in(staff["billing"])
    page = client.get(reverse("billing:claim", args=[claim.pk])).content.decode()
    assert reverse("billing:claim_correct", args=[claim.pk]) in page and "Void the claim" in page
    response = client.post(reverse("billing:claim_correct", args=[claim.pk]), {"payer_claim_number": ""})
    assert response.status_code == 422 and "claim control number" in response.content.decode()
    assert Claim.objects.count() == 1
    response = client.post(reverse("billing:claim_payer_number", args=[claim.pk]), {"payer_claim_number": "ICN~1"})
    assert response.status_code == 422 and Claim.objects.get().payer_claim_number == ""
    response = client.post(reverse("billing:claim_payer_number", args=[claim.pk]), {"payer_claim_number": "ICN-77"})
    assert response.status_code == 302 and Claim.objects.get().payer_claim_number == "ICN-77"

    response = client.post(reverse("billing:claim_correct", args=[claim.pk]), {"payer_claim_number": ""})

    replacement = Claim.objects.get(replaces=claim)
    assert response.status_code == 302 and response["Location"] == reverse("billing:claim", args=[replacement.pk])
    page = client.get(reverse("billing:claim", args=[replacement.pk])).content.decode()
    assert re.search(r"Replaces</dt><dd[^>]*><a [^>]*>C000001</a> · payer.s claim number ICN-77", page)
    original = client.get(reverse("billing:claim", args=[claim.pk])).content.decode()
    assert "Replaced by" in original and "C000002" in original and "Replaced by C000002" in original
    assert reverse("billing:claim_correct", args=[claim.pk]) not in original  # corrected once
    response = client.post(reverse("billing:claim_void", args=[claim.pk]), {"payer_claim_number": "ICN-77"})
    assert response.status_code == 422 and Claim.objects.count() == 2
    assert reverse("billing:claim_correct", args=[replacement.pk]) not in page  # a draft is not corrected


def test_a_draft_claim_offers_no_correction_and_refuses_one(g2083, staff, signed_in):
    claim = do_build_claims(staff["billing"])[0]
    client = signed_in(staff["billing"])
    assert "Correct or void" not in client.get(reverse("billing:claim", args=[claim.pk])).content.decode()
    response = client.post(reverse("billing:claim_void", args=[claim.pk]), {"payer_claim_number": "ICN-1"})
    assert response.status_code == 422 and "sent, paid or denied" in response.content.decode()
    assert Claim.objects.count() == 1


def test_api_corrects_and_voids_with_the_payers_number(g2083, staff, signed_in, x12_problems):
    claim = _sent(staff)
    client = signed_in(staff["billing"])
    response = client.post(f"/api/v1/billing/claims/{claim.pk}/correct", {}, content_type="application/json")
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "payer_claim_number"
    assert Claim.objects.count() == 1
    response = client.post(
        f"/api/v1/billing/claims/{claim.pk}/payer-claim-number",
        {"payer_claim_number": "ICN-5"},
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["payer_claim_number"] == "ICN-5"
    response = client.post(
        f"/api/v1/billing/claims/{claim.pk}/void", {"payer_claim_number": ""}, content_type="application/json"
    )
    assert response.status_code == 201
    void = response.json()
    assert (void["frequency_code"], void["replaces_id"], void["status"]) == ("8", claim.pk, "draft")
    original = client.get(f"/api/v1/billing/claims/{claim.pk}").json()
    assert original["status"] == "voided" and original["replaced_by_id"] == void["id"]
    client.post(f"/api/v1/billing/claims/{void['id']}/status", {"status": "ready"}, content_type="application/json")
    text = client.post("/api/v1/billing/claims/export-837p", {}, content_type="application/json").json()["content"]
    assert x12_problems(text) == [] and "11:B:8*" in text and "REF*F8*ICN-5~" in text
    response = client.post(
        f"/api/v1/billing/claims/{claim.pk}/correct", {"payer_claim_number": "ICN-5"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "claim"


def test_claim_page_withdraws_a_claim_the_payer_never_received(g2083, staff, other_staff, signed_in):
    claim = do_build_claims(staff["billing"])[0]
    url = reverse("billing:claim_withdraw", args=[claim.pk])
    assert signed_in(other_staff["billing"]).post(url, {"reason": "Not ours"}).status_code == 404
    client = signed_in(staff["billing"])
    assert url in client.get(reverse("billing:claim", args=[claim.pk])).content.decode()
    response = client.post(url, {"reason": "  "})
    assert response.status_code == 422
    assert re.search(r'id="id_reason"[^>]*>\s*<ul class="errorlist"[^>]*><li>This field is required', response.text)
    assert Claim.objects.get().status == ClaimStatus.DRAFT and claim.status_changes.count() == 1

    response = client.post(url, {"reason": "Built on the <b>wrong</b> coverage"}, follow=True)

    assert response.redirect_chain == [(reverse("billing:claim", args=[claim.pk]), 302)]
    page = response.content.decode()
    assert "Claim C000001 withdrawn." in page and "Built on the &lt;b&gt;wrong&lt;/b&gt; coverage" in page
    assert url not in page and Claim.objects.get().status == ClaimStatus.WITHDRAWN
    assert [c.number for c in do_build_claims(staff["billing"])] == ["C000002"]


def test_a_claim_the_payer_has_offers_no_withdrawal_and_refuses_one(g2083, staff, signed_in):
    claim = _sent(staff)
    client = signed_in(staff["billing"])
    url = reverse("billing:claim_withdraw", args=[claim.pk])
    assert url not in client.get(reverse("billing:claim", args=[claim.pk])).content.decode()
    response = client.post(url, {"reason": "Too late"})
    assert response.status_code == 422 and "claim: The payer has this claim: void it instead." in response.text
    assert Claim.objects.get().status == ClaimStatus.SENT and claim.status_changes.count() == 3


def test_api_withdraws_a_correction_and_refuses_like_the_page(g2083, staff, other_staff, signed_in):
    claim = _sent(staff)
    void = do_void_claim(staff["billing"], claim.pk, payer_claim_number="ICN-5")
    url = f"/api/v1/billing/claims/{void.pk}/withdraw"
    response = signed_in(other_staff["billing"]).post(url, {"reason": "Not ours"}, content_type="application/json")
    assert response.status_code == 404
    assert signed_in(staff["nurse"]).post(url, {"reason": "No"}, content_type="application/json").status_code == 403
    client = signed_in(staff["billing"])
    for body in ({}, {"reason": " "}, {"reason": "a\x00b"}, {"reason": "x" * 301}):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "reason", body
    response = client.post(
        f"/api/v1/billing/claims/{claim.pk}/withdraw", {"reason": "Too late"}, content_type="application/json"
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] == "claim"
    assert Claim.objects.get(pk=void.pk).status == ClaimStatus.DRAFT

    response = client.post(url, {"reason": "Voided the wrong claim"}, content_type="application/json")

    assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert response.json()["status_changes"][-1]["note"] == "Voided the wrong claim"
    original = client.get(f"/api/v1/billing/claims/{claim.pk}").json()
    assert (original["status"], original["replaced_by_id"]) == ("sent", None)
