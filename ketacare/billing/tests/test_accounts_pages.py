"""The account pages, PDFs, portal, chart section, payments report (page + CSV) and API: thin over the actions,
bad input shown on the field with nothing changed, another patient's or organisation's money never shown."""

import csv
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from ketacare.billing.actions import accounts as actions
from ketacare.billing.actions.charges import do_finalise_charge
from ketacare.billing.actions.packages import apply_package_credit, do_sell_package
from ketacare.billing.models import AccountEntry, Invoice, PackageSale
from ketacare.billing.selectors.accounts import patient_balance
from ketacare.lib.zones import zone_of_user

API = "/api/v1/billing"


@pytest.fixture
def offer(org, make_package_offer):
    return make_package_offer(org, sessions=6, price="2700.00")


@pytest.fixture
def drawn_down(staff, patient, offer, make_draft_charge):
    """A six-session package sold and paid by card; two sessions drew credits; a self-pay consultation owed."""
    do_sell_package(staff["front_desk"], patient.pk, offer_id=offer.pk)
    actions.do_record_payment(
        staff["front_desk"], patient.pk, amount="2700.00", method="card_terminal", reference="T-1"
    )
    for _ in range(2):
        charge = make_draft_charge(patient, staff["billing"])
        apply_package_credit(staff["prescriber"], charge)
        do_finalise_charge(staff["billing"], charge.pk)
    consultation = make_draft_charge(patient, staff["billing"], amount="400.00", trigger="consultation", code="90792")
    do_finalise_charge(staff["billing"], consultation.pk)
    return patient


def test_billing_staff_see_the_account_without_the_chart(signed_in, staff, drawn_down):
    client = signed_in(staff["billing"])
    page = client.get(f"/billing/accounts/patient/{drawn_down.pk}/").content.decode()
    assert "Owes <strong>$400.00</strong>" in page
    assert "<strong>4</strong> of 6" in page and drawn_down.record_number in page
    assert client.get(f"/patients/{drawn_down.pk}/").status_code == 403
    found = client.get("/billing/accounts/", {"q": drawn_down.last_name[:4]}).content.decode()
    assert f"/billing/accounts/patient/{drawn_down.pk}/" in found


def test_payment_page_records_and_bad_input_stays_on_the_form(signed_in, staff, drawn_down):
    client = signed_in(staff["front_desk"])
    url = f"/billing/accounts/patient/{drawn_down.pk}/payment/"
    before = AccountEntry.objects.count()
    bad = client.post(url, {"amount": "12.345", "method": "card_terminal", "reference": ""})
    assert bad.status_code == 422 and AccountEntry.objects.count() == before
    assert "whole cents" in bad.content.decode()
    response = client.post(url, {"amount": "150.00", "method": "check", "reference": "1042"})
    assert response.status_code == 302 and patient_balance(drawn_down) == Decimal("250.00")


def test_correction_page_refund_write_off_and_adjustment(signed_in, staff, drawn_down):
    client = signed_in(staff["billing"])
    url = f"/billing/accounts/patient/{drawn_down.pk}/correction/"
    refused = client.post(url, {"kind": "refund", "amount": "10", "method": "cash", "reason": "Overpaid"})
    assert refused.status_code == 422 and "credit" in refused.content.decode()
    assert client.post(url, {"kind": "write_off", "amount": "50", "reason": "Hardship"}).status_code == 302
    assert client.post(url, {"kind": "adjustment", "amount": "-25.00", "reason": "<b>Courtesy</b>"}).status_code == 302
    assert patient_balance(drawn_down) == Decimal("325.00")
    page = client.get(f"/billing/accounts/patient/{drawn_down.pk}/").content.decode()
    assert "&lt;b&gt;Courtesy&lt;/b&gt;" in page and "<b>Courtesy" not in page
    assert signed_in(staff["front_desk"]).get(url).status_code == 403


def test_reverse_page_and_its_refusal(signed_in, staff, drawn_down):
    client = signed_in(staff["billing"])
    payment = AccountEntry.objects.get(patient=drawn_down, method="card_terminal")
    response = client.post(f"/billing/accounts/entries/{payment.pk}/reverse/", {"reason": "Card declined later"})
    assert response.status_code == 302 and patient_balance(drawn_down) == Decimal("3100.00")
    again = client.post(f"/billing/accounts/entries/{payment.pk}/reverse/", {"reason": "Twice"})
    assert again.status_code == 422 and "already reversed" in again.content.decode()


def test_sell_package_page_and_offers_page(signed_in, staff, patient, offer):
    admin = signed_in(staff["clinic_admin"])
    created = admin.post(
        "/billing/packages/offers/",
        {
            "name": "Esketamine induction",
            "covers_trigger": "session_esketamine",
            "sessions_included": "8",
            "price": "3,200.00",
            "validity_days": "60",
            "refund_policy": "none",
        },
    )
    assert created.status_code == 302
    desk = signed_in(staff["front_desk"])
    assert "Esketamine induction" in desk.get(f"/billing/accounts/patient/{patient.pk}/package/").content.decode()
    assert desk.post(f"/billing/accounts/patient/{patient.pk}/package/", {"offer_id": offer.pk}).status_code == 302
    assert PackageSale.objects.get(patient=patient).name == offer.name
    assert desk.get("/billing/packages/offers/").status_code == 403


def test_invoice_statement_and_receipt_pdfs(signed_in, staff, drawn_down, pdf_text):
    client = signed_in(staff["front_desk"])
    assert client.post(f"/billing/accounts/patient/{drawn_down.pk}/invoice/", {"due_date": ""}).status_code == 302
    invoice = Invoice.objects.get(patient=drawn_down)
    response = client.get(f"/billing/accounts/invoices/{invoice.pk}.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert invoice.number.encode() in text and b"Paid by package credit: $990.00" in text
    statement = pdf_text(client.get(f"/billing/accounts/patient/{drawn_down.pk}/statement.pdf").content)
    assert drawn_down.full_name.encode() in statement and b"Balance due: $400.00" in statement
    payment = AccountEntry.objects.get(patient=drawn_down, method="card_terminal")
    receipt = pdf_text(client.get(f"/billing/accounts/entries/{payment.pk}/receipt.pdf").content)
    assert b"Amount: $2,700.00" in receipt and b"T-1" in receipt
    credit = AccountEntry.objects.filter(patient=drawn_down, method="package_credit").first()
    assert client.get(f"/billing/accounts/entries/{credit.pk}/receipt.pdf").status_code == 404


def test_portal_shows_own_balance_credits_invoices_and_receipts_only(
    signed_in, staff, drawn_down, second_patient, pdf_text
):
    invoice = actions.do_issue_invoice(staff["front_desk"], drawn_down.pk)
    client = signed_in(drawn_down.user)
    page = client.get("/portal/billing/").content.decode()
    assert "You owe <strong>$400.00</strong>" in page
    assert '<strong class="credits-left">4</strong> of 6 sessions left' in page
    assert invoice.number in page
    assert b"Amount due" in pdf_text(client.get(f"/portal/billing/invoices/{invoice.pk}.pdf").content)
    other = signed_in(second_patient.user)
    assert other.get(f"/portal/billing/invoices/{invoice.pk}.pdf").status_code == 404
    payment = AccountEntry.objects.get(patient=drawn_down, method="card_terminal")
    assert other.get(f"/portal/billing/receipts/{payment.pk}.pdf").status_code == 404
    assert "Nothing owed" in other.get("/portal/billing/").content.decode()


def test_chart_section_for_front_desk_not_for_nurses(signed_in, staff, drawn_down):
    page = signed_in(staff["front_desk"]).get(f"/patients/{drawn_down.pk}/").content.decode()
    assert 'id="billing"' in page and "Prepaid sessions left: <strong>4</strong>" in page
    assert 'id="billing"' not in signed_in(staff["nurse"]).get(f"/patients/{drawn_down.pk}/").content.decode()


def test_payments_report_per_day_and_method_page_and_csv(signed_in, staff, drawn_down):
    client = signed_in(staff["billing"])
    actions.do_record_payment(staff["front_desk"], drawn_down.pk, amount="500.00", method="cash")
    actions.do_refund(staff["billing"], drawn_down.pk, amount="100.00", method="cash", reason="Overpaid")
    # The report's days are the reader's; in UTC it can already be tomorrow (CI at 00:19 UTC).
    today = timezone.localdate(timezone=zone_of_user(staff["billing"]))
    query = {"date_from": today.isoformat(), "date_to": today.isoformat()}
    page = client.get("/billing/accounts/payments/", query).content.decode()
    assert "Card (external terminal)" in page and "Package credit" in page
    rows = list(
        csv.reader(io.StringIO(client.get("/billing/accounts/payments/", query | {"format": "csv"}).content.decode()))
    )
    assert rows[1] == ["date", "method", "payments", "received", "refunded", "net", "currency"]
    by_method = {row[1]: row for row in rows[2:]}
    assert by_method["Card (external terminal)"][2:6] == ["1", "2700.00", "0.00", "2700.00"]
    assert by_method["Package credit"][2:4] == ["2", "990.00"]
    assert by_method["Cash"][2:6] == ["1", "500.00", "100.00", "400.00"]
    bad = client.get("/billing/accounts/payments/", {"date_from": today.isoformat(), "date_to": "2000-01-01"})
    assert bad.status_code == 422


def test_api_account_payment_and_refusals(signed_in, staff, other_staff, drawn_down):
    client = signed_in(staff["billing"])
    body = client.get(f"{API}/accounts/patients/{drawn_down.pk}").json()
    assert (body["balance"], body["charges"], body["payments"]) == ("400.00", "4090.00", "3690.00")
    assert body["packages"][0]["sessions_left"] == 4
    posted = client.post(
        f"{API}/accounts/patients/{drawn_down.pk}/payments",
        {"amount": "100.00", "method": "cash"},
        content_type="application/json",
    )
    assert posted.status_code == 201 and posted.json()["amount"] == "-100.00"
    bad = client.post(
        f"{API}/accounts/patients/{drawn_down.pk}/payments",
        {"amount": "5", "method": "card_terminal"},
        content_type="application/json",
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["body", "reference"]
    nurse = signed_in(staff["nurse"])
    assert nurse.get(f"{API}/accounts/patients/{drawn_down.pk}").status_code == 403
    assert signed_in(other_staff["billing"]).get(f"{API}/accounts/patients/{drawn_down.pk}").status_code == 404
    entries = signed_in(staff["front_desk"]).get(f"{API}/accounts/patients/{drawn_down.pk}/entries").json()
    assert entries[-1]["balance_after"] == "300.00"
