"""Pages and API: access by role and organisation, forms, exports (CSV injection safe, PDF)."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest

from ketacare.audit.models import AuditEntry
from ketacare.ledger import actions
from ketacare.ledger.models import LedgerEntry


@pytest.fixture
def administered(staff, vial, patient):
    patient.first_name = '=HYPERLINK("http://evil")'
    patient.save()
    actions.do_save_registration(
        staff["clinic_admin"], location_id=vial.location_id, registrant_name="Harbor Clinic PC", dea_number="bh1234563"
    )
    return actions.do_record_administration(
        staff["nurse"],
        vial_id=vial.pk,
        dose_mg=Decimal("35"),
        checked_by=staff["prescriber"],
        patient=patient,
        treatment_session_id=None,
    )


def page_urls(vial, portland, entry):
    return [
        "/ledger/",
        f"/ledger/locations/{portland.pk}/",
        f"/ledger/vials/{vial.pk}/",
        "/ledger/theft-loss/",
    ]


@pytest.mark.parametrize("role", ["front_desk", "therapist"])
def test_roles_without_ledger_view_are_refused(client, staff, vial, portland, administered, role, signed_in):
    signed_in(staff[role])
    for url in page_urls(vial, portland, administered) + ["/api/v1/ledger/vials", "/api/v1/ledger/entries"]:
        assert client.get(url).status_code == 403, url


def test_other_organisation_gets_404(client, other_staff, vial, portland, administered, signed_in):
    signed_in(other_staff["nurse"])
    for url in (f"/ledger/locations/{portland.pk}/", f"/ledger/vials/{vial.pk}/"):
        assert client.get(url).status_code == 404, url
    assert client.get("/api/v1/ledger/vials").json() == []
    assert client.get("/api/v1/ledger/vials", {"location_id": portland.pk}).status_code == 404
    assert client.get("/api/v1/ledger/entries").json() == []


def test_pages_show_inventory_and_history(client, staff, vial, portland, administered, signed_in):
    signed_in(staff["nurse"])
    assert "465" in client.get("/ledger/").content.decode()
    assert vial.identifier in client.get(f"/ledger/locations/{portland.pk}/").content.decode()
    page = client.get(f"/ledger/vials/{vial.pk}/").content.decode()
    assert "Administration" in page and "9.300 mL" in page
    assert AuditEntry.objects.filter(object_type="ledger.vial", action="view").exists()


def test_waste_form_with_wrong_password_changes_nothing(client, staff, vial, password, signed_in):
    signed_in(staff["nurse"])
    before = LedgerEntry.objects.count()
    response = client.post(
        f"/ledger/vials/{vial.pk}/waste/",
        {"quantity_mg": "5", "reason": "rest", "witness": staff["prescriber"].pk, "witness_password": "nope"},
    )
    assert response.status_code == 400 and "password is not right" in response.content.decode()
    assert LedgerEntry.objects.count() == before
    response = client.post(
        f"/ledger/vials/{vial.pk}/waste/",
        {"quantity_mg": "5", "reason": "rest", "witness": staff["prescriber"].pk, "witness_password": password},
    )
    assert response.status_code == 302
    assert LedgerEntry.objects.filter(kind="waste", witness=staff["prescriber"]).exists()


def test_receipt_form(client, staff, portland, products, signed_in):
    signed_in(staff["nurse"])
    data = {
        "product_id": products[0].pk,
        "lot": "Z9",
        "expiry_date": (dt.date.today() + dt.timedelta(days=90)).isoformat(),
        "container_count": 2,
        "supplier_name": "Acme",
        "supplier_address": "Reno",
        "supplier_dea_number": "RA1234563",
        "invoice_number": "INV-9",
    }
    assert client.post(f"/ledger/locations/{portland.pk}/receive/", data).status_code == 302
    assert LedgerEntry.objects.filter(kind="receipt").count() == 2
    signed_in(staff["clinic_admin"])
    assert client.post(f"/ledger/locations/{portland.pk}/receive/", data).status_code == 403


def test_resolve_page_is_for_prescribers(client, staff, vial, signed_in):
    count = actions.do_record_count(staff["nurse"], vial_id=vial.pk, counted_mg=Decimal("499"))
    signed_in(staff["nurse"])
    assert client.post(f"/ledger/counts/{count.pk}/resolve/", {"reason": "x"}).status_code == 403
    signed_in(staff["prescriber"])
    assert client.post(f"/ledger/counts/{count.pk}/resolve/", {"reason": "evaporation"}).status_code == 302
    vial.refresh_from_db()
    assert vial.balance_mg == Decimal("499")


def test_settings_page_for_admin(client, staff, portland, signed_in):
    signed_in(staff["clinic_admin"])
    assert client.get("/ledger/settings/").status_code == 200
    response = client.post(
        "/ledger/settings/",
        {"form": "settings", "retention_years": 1, "theft_notice_business_days": 1, "form_106_days": 45},
    )
    assert response.status_code == 400 and "retention" in response.content.decode().lower()
    assert (
        client.post(
            "/ledger/settings/",
            {"form": "registration", "location_id": portland.pk, "registrant_name": "X", "dea_number": "123"},
        ).status_code
        == 400
    )
    signed_in(staff["nurse"])
    assert client.get("/ledger/settings/").status_code == 403


def test_the_settings_page_checks_the_chain_when_asked(client, staff, vial, signed_in):
    """Checking reads every entry, so the page offers it instead of paying it on every view (issue 19)."""
    signed_in(staff["clinic_admin"])
    page = client.get("/ledger/settings/").content.decode()
    assert 'href="?check=chain">Check the chain</a>' in page and "Chain check:" not in page
    checked = client.get("/ledger/settings/", {"check": "chain"}).content.decode()
    assert f"intact, {LedgerEntry.objects.filter(organisation=vial.organisation).count()} entries" in checked


def _csv_rows(text):
    return [row for row in csv.reader(io.StringIO(text)) if row and not row[0].startswith("# ")]


def test_dispensing_csv_is_injection_safe_and_names_registrant(client, staff, portland, administered, signed_in):
    signed_in(staff["clinic_admin"])
    response = client.get(
        f"/ledger/locations/{portland.pk}/reports/",
        {"kind": "dispensing", "format": "csv", "inventory_type": "biennial", "business_time": "close"},
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    text = response.content.decode()
    assert "BH1234563" in text and "Harbor Clinic PC" in text
    header, row = _csv_rows(text)
    record = dict(zip(header, row, strict=True))
    assert record["quantity_mg"] == "-35.000" and record["volume_ml"] == "0.700"
    assert record["patient_name"].startswith("'=")
    assert record["balance_after_mg"] == "465.000"
    assert AuditEntry.objects.filter(action="export", detail__report="ledger_dispensing").exists()


def test_inventory_pdf(client, staff, portland, administered, signed_in):
    signed_in(staff["prescriber"])
    response = client.get(
        f"/ledger/locations/{portland.pk}/reports/",
        {"kind": "inventory", "format": "pdf", "inventory_type": "initial", "business_time": "opening"},
    )
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    assert b"%%EOF" in response.content[-10:]
    signed_in(staff["nurse"])
    assert client.get(f"/ledger/locations/{portland.pk}/reports/").status_code == 403


def test_export_command_writes_csv_and_pdf(staff, portland, administered, tmp_path, pdf_text):
    from django.core.management import call_command

    out = tmp_path / "log.csv"
    call_command(
        "ledger",
        "export",
        "--location",
        str(portland.pk),
        "--kind",
        "dispensing",
        "--format",
        "csv",
        "--output",
        str(out),
    )
    assert len(_csv_rows(out.read_text())) == 2
    pdf = tmp_path / "inv.pdf"
    call_command(
        "ledger",
        "export",
        "--location",
        str(portland.pk),
        "--kind",
        "inventory",
        "--format",
        "pdf",
        "--output",
        str(pdf),
    )
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    text = pdf_text(data)
    assert b"BH1234563" in text and b"initial" not in text and b"Biennial inventory" in text


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--location", "x"], "--location"),
        (["--location", "999999"], "--location"),
        (["--kind", "other"], "--kind"),
        (["--format", "doc"], "--format"),
        (["--to", "2026-13-01"], "--to"),
        (["--output", "/nonexistent/dir/file.csv"], "--output"),
    ],
)
def test_export_command_bad_arguments_exit_2(staff, portland, administered, tmp_path, args, option):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    values = {
        "--location": str(portland.pk),
        "--kind": "dispensing",
        "--format": "csv",
        "--output": str(tmp_path / "f"),
    }
    values.update(dict(zip(args[::2], args[1::2], strict=True)))
    argv = [item for pair in values.items() for item in pair]
    with pytest.raises(CommandError, match=option) as info:
        call_command("ledger", "export", *argv)
    assert info.value.returncode == 2


def test_api_lists_and_waste(client, staff, vial, portland, administered, patient, password, signed_in):
    signed_in(staff["nurse"])
    assert client.get("/api/v1/ledger/products").status_code == 200
    vials = client.get("/api/v1/ledger/vials", {"location_id": portland.pk}).json()
    assert vials[0]["balance_mg"] in ("465.000", "465")
    assert vials[0]["balance_ml"] in ("9.300", "9.3")
    balances = client.get("/api/v1/ledger/balances").json()
    assert balances[0]["vials_in_stock"] == 1
    response = client.post(
        "/api/v1/ledger/waste",
        {
            "vial_id": vial.pk,
            "quantity_mg": "5",
            "reason": "rest",
            "witness_id": staff["prescriber"].pk,
            "witness_password": "bad",
        },
        content_type="application/json",
    )
    assert response.status_code == 422 and response.json()["detail"][0]["loc"] == ["body", "witness_password"]
    response = client.post(
        "/api/v1/ledger/waste",
        {
            "vial_id": vial.pk,
            "quantity_mg": "5",
            "reason": "rest",
            "witness_id": staff["prescriber"].pk,
            "witness_password": password,
            "patient_id": patient.pk,
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    assert response.json()["balance_after_mg"] in ("460.000", "460")
    entries = client.get("/api/v1/ledger/entries", {"kind": "waste"}).json()
    assert [e["kind"] for e in entries] == ["waste"]


def test_api_receipt(client, staff, portland, products, signed_in):
    signed_in(staff["nurse"])
    body = {
        "location_id": portland.pk,
        "product_id": products[1].pk,
        "lot": "SP1",
        "expiry_date": (dt.date.today() + dt.timedelta(days=100)).isoformat(),
        "container_count": 1,
        "supplier_name": "Janssen",
        "supplier_address": "Titusville NJ",
        "supplier_dea_number": "RJ1234563",
        "invoice_number": "J-1",
    }
    response = client.post("/api/v1/ledger/receipts", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()[0]["device_count"] == 2
    body["supplier_dea_number"] = "nope"
    assert client.post("/api/v1/ledger/receipts", body, content_type="application/json").status_code == 422
    signed_in(staff["clinic_admin"])
    body["supplier_dea_number"] = "RJ1234563"
    assert client.post("/api/v1/ledger/receipts", body, content_type="application/json").status_code == 403
