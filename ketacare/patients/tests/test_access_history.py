"""A patient's access history and its CSV export (the HIPAA accounting of disclosures)."""

import csv
import io

import pytest

from ketacare.audit.models import AuditAction, AuditEntry

HEADER = [
    "sequence",
    "occurred_at_utc",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "source_address",
]


@pytest.fixture
def admin(staff):
    return staff["clinic_admin"]


@pytest.fixture
def admin_client(client, admin, signed_in):
    return signed_in(admin)


def test_history_lists_every_entry_about_the_patient_and_nothing_else(admin_client, patient, audit_trail):
    response = admin_client.get(f"/audit/patients/{patient.pk}/")
    assert response.status_code == 200
    shown = [entry.sequence for entry in response.context["page"]]
    assert shown == [audit_trail["late_view"].sequence, audit_trail["registered"].sequence]
    assert "Download as CSV" in response.content.decode()


def test_viewing_the_history_is_audited_against_the_patient(admin_client, admin, patient, audit_trail):
    admin_client.get(f"/audit/patients/{patient.pk}/")
    read = AuditEntry.objects.latest("sequence")
    assert (read.actor, read.action, read.patient, read.object_type) == (
        admin,
        AuditAction.VIEW,
        patient,
        "audit.auditentry",
    )
    # ...so it shows up the next time, as access to this patient's information.
    shown = [entry.sequence for entry in admin_client.get(f"/audit/patients/{patient.pk}/").context["page"]]
    assert shown[0] == read.sequence


def test_an_unknown_patient_is_404(admin_client, audit_trail):
    assert admin_client.get("/audit/patients/999999/").status_code == 404
    assert admin_client.get("/audit/patients/999999/disclosures.csv").status_code == 404
    assert admin_client.get(f"/audit/patients/{2**70}/").status_code == 404


def read_csv(response) -> list[list[str]]:
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.content.decode())))


def test_the_csv_has_the_header_and_one_row_per_entry_oldest_first(admin_client, patient, audit_trail):
    rows = read_csv(admin_client.get(f"/audit/patients/{patient.pk}/disclosures.csv"))
    assert rows[0] == HEADER
    registered, late_view = audit_trail["registered"], audit_trail["late_view"]
    assert rows[1:] == [
        [
            str(registered.sequence),
            "2026-03-09T15:00:00+00:00",
            "front_desk_harbor",
            "front_desk",
            "create",
            "patients.patient",
            str(patient.pk),
            "10.0.0.5",
        ],
        [
            str(late_view.sequence),
            "2026-03-10T03:30:00+00:00",
            "nurse_harbor",
            "nurse",
            "view",
            "patients.patient",
            str(patient.pk),
            "10.0.0.6",
        ],
    ]


def test_exporting_the_csv_is_itself_audited(admin_client, admin, patient, audit_trail):
    admin_client.get(f"/audit/patients/{patient.pk}/disclosures.csv")
    export = AuditEntry.objects.get(action=AuditAction.EXPORT)
    assert (export.actor, export.patient, export.organisation_id) == (admin, patient, patient.organisation_id)
    assert export.detail == {"report": "accounting_of_disclosures", "format": "csv", "rows": 2}
    assert export.source_address == "127.0.0.1"
    # The next report lists the export too.
    rows = read_csv(admin_client.get(f"/audit/patients/{patient.pk}/disclosures.csv"))
    assert rows[-1][:5] == [str(export.sequence), rows[-1][1], "clinic_admin_harbor", "clinic_admin", "export"]


def test_cells_that_a_spreadsheet_would_run_are_neutralised(admin_client, admin, patient):
    from ketacare.audit.actions import record_event

    record_event(admin, AuditAction.VIEW, patient=patient, object_type="x", object_id="=HYPERLINK(1)")
    rows = read_csv(admin_client.get(f"/audit/patients/{patient.pk}/disclosures.csv"))
    assert rows[1][6] == "'=HYPERLINK(1)"
