"""The import page in a real browser: the clinic admin uploads a Bundle, reads the dry run, imports, and
reads the report (run alone: `pytest ketacare/fhir/tests/test_import_browser.py -p no:xdist`)."""

import json
import re

import pytest
from playwright.sync_api import Page, expect

from ketacare.patients.models import Patient

pytestmark = pytest.mark.django_db(transaction=True)

BUNDLE = {
    "resourceType": "Bundle",
    "type": "collection",
    "entry": [
        {
            "fullUrl": "urn:uuid:7f1c",
            "resource": {
                "resourceType": "Patient",
                "id": "p1",
                "birthDate": "1984-02-03",
                "name": [{"family": "Rivera", "given": ["Ana"]}],
            },
        },
        {
            "resource": {
                "resourceType": "AllergyIntolerance",
                "id": "a1",
                "patient": {"reference": "urn:uuid:7f1c"},
                "code": {"text": "Latex"},
            }
        },
        {
            "resource": {
                "resourceType": "Condition",
                "id": "c1",
                "subject": {"reference": "urn:uuid:7f1c"},
                "code": {
                    "coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "F33.2"}],
                    "text": "MDD, recurrent, severe",
                },
            }
        },
        {"resource": {"resourceType": "Immunization", "id": "i1"}},
    ],
}


def test_admin_uploads_checks_and_imports(page: Page, live_server, staff, browser_sign_in, tmp_path):
    upload = tmp_path / "old-ehr.json"
    upload.write_text(json.dumps(BUNDLE))
    base = live_server.url
    page.set_default_timeout(20000)
    browser_sign_in(page, base, staff["clinic_admin"])

    page.goto(f"{base}/clinic/settings/")
    page.get_by_role("link", name="Import records from another system (FHIR)").click()
    page.set_input_files("input[name=upload]", str(upload))
    page.fill("input[name=source_name]", "old-ehr")
    page.get_by_role("button", name="Check the file").click()

    expect(page).to_have_url(re.compile(r"/clinic/import/\d+/$"))
    expect(page.locator("#run-status")).to_have_text("Checked (dry run)")
    expect(page.locator(".import-counts").first).to_contain_text("AllergyIntolerance")
    expect(page.locator(".import-refused").first).to_contain_text("KetaCare does not import Immunization")
    assert not Patient.objects.filter(last_name="Rivera").exists()

    page.get_by_role("button", name="Import").click()

    expect(page.locator(".messages")).to_contain_text("Imported.")
    expect(page.locator("#run-status")).to_have_text("Imported")
    expect(page.locator("#report-1 h2")).to_have_text("Import")
    patient = Patient.objects.get(last_name="Rivera")
    assert [a.substance for a in patient.allergies.all()] == ["Latex"]
    assert [d.icd10_code for d in patient.diagnoses.all()] == ["F33.2"]
