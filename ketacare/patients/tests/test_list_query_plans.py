"""The patient list and the API list stay flat in data size (issue 19, item 3): with a few thousand
patients PostgreSQL reads the first page from the name-order index (patient_org_name_order) instead of
scanning and sorting the organisation's patients. A pattern-opclass index cannot serve ORDER BY name."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ketacare.accounts.actions import do_create_api_token
from ketacare.patients.domain.names import search_key
from ketacare.patients.models import Patient

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's")

PATIENTS_PER_ORGANISATION = 3000
SURNAMES = ("Nguyen", "Smith", "Garcia", "Okafor", "Kowalski", "Haddad", "Tanaka", "Brown", "Ivanova", "Silva")


def bulk_patients(organisation, count: int) -> None:
    patients = []
    for number in range(count):
        first_name, last_name = f"Pat{number:05d}", f"{SURNAMES[number % len(SURNAMES)]}{number // 7}"
        patients.append(
            Patient(
                organisation=organisation,
                record_number=f"B-{number:06d}",
                first_name=first_name,
                last_name=last_name,
                first_name_key=search_key(first_name),
                last_name_key=search_key(last_name),
                date_of_birth="1980-01-01",
            )
        )
    Patient.objects.bulk_create(patients, batch_size=1000)


@pytest.fixture
def registry(org, other_org):
    bulk_patients(org, PATIENTS_PER_ORGANISATION)
    bulk_patients(other_org, PATIENTS_PER_ORGANISATION)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {Patient._meta.db_table}")


def plan_of_the_patient_query(request) -> str:
    with CaptureQueriesContext(connection) as queries:
        response = request()
    assert response.status_code == 200
    table = Patient._meta.db_table
    (sql,) = [q["sql"] for q in queries.captured_queries if re.match(rf'^SELECT .* FROM "{table}"', q["sql"])]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_patient_list_page_reads_the_name_index_not_the_whole_table(client, staff, signed_in, registry):
    signed_in(staff["front_desk"])
    plan = plan_of_the_patient_query(lambda: client.get("/patients/"))
    assert "Seq Scan on patients_patient" not in plan, plan
    assert "patient_org_name_order" in plan, plan


def test_the_api_patient_list_reads_the_name_index_not_the_whole_table(client, staff, registry):
    _, secret = do_create_api_token(staff["front_desk"], "sync")
    plan = plan_of_the_patient_query(lambda: client.get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {secret}"))
    assert "Seq Scan on patients_patient" not in plan, plan
    assert "patient_org_name_order" in plan, plan
