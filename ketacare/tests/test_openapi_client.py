"""A typed client generated from the published schema works against the running site.

openapi-python-client turns /api/v1/openapi.json into a Python package (in a subprocess, into a
temporary folder); the test then calls the live server through it: its models build the request
bodies the schema describes, and its parsers read the answers into the published response models,
so a body the schema promises but the endpoint refuses (once: the ledger waste body, 422
"vial_id missing"), or an answer missing a published field, fails here.
"""

import datetime as dt
import importlib
import json
import subprocess
import sys

import pytest
from django.test import Client

from ketacare.accounts.models import ApiToken

PACKAGE = "ketacare_api_client"


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory):
    """The generated package, importable (module-scoped: generating takes a few seconds)."""
    folder = tmp_path_factory.mktemp("api_client")
    schema = folder / "openapi.json"
    schema.write_bytes(Client().get("/api/v1/openapi.json").content)
    # No post hooks: the generator would run ruff over the generated code, which the test does not need.
    config = folder / "config.json"
    # Downloads (documents, PDFs) publish their real types; the generator reads any file as octet-stream bytes.
    files = dict.fromkeys(("application/pdf", "image/jpeg", "image/png"), "application/octet-stream")
    config.write_text(json.dumps({"post_hooks": [], "package_name_override": PACKAGE, "content_type_overrides": files}))
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--path", str(schema), "--meta", "none"]
        + ["--output-path", str(folder / PACKAGE), "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    # The generator warns (and leaves an endpoint out) where it cannot read part of the schema.
    assert result.returncode == 0 and "Warning" not in result.stdout + result.stderr, result.stdout + result.stderr
    sys.path.insert(0, str(folder))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(folder))
        for name in [name for name in sys.modules if name == PACKAGE or name.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def operation(package, tag: str, name: str):
    return importlib.import_module(f"{package.__name__}.api.{tag}.ketacare_{tag}_api_{name}")


def model(package, name: str):
    return getattr(importlib.import_module(f"{package.__name__}.models"), name)


def test_a_generated_client_reads_and_writes_through_the_published_schema(
    generated_client, live_server, staff, patient, portland, password, make_products, receive
):
    nurse = staff["nurse"]
    secret = ApiToken.new_secret()
    ApiToken.objects.create(user=nurse, name="client", token_sha256=ApiToken.hash(secret), prefix=secret[:8])
    vial = receive(nurse, portland, make_products(staff["clinic_admin"])[0])[0].vial
    authed = generated_client.AuthenticatedClient(
        base_url=live_server.url, token=secret, raise_on_unexpected_status=True
    )
    anonymous = generated_client.Client(base_url=live_server.url, raise_on_unexpected_status=True)

    listed = operation(generated_client, "patients", "list_patients").sync_detailed(client=authed)
    assert listed.status_code == 200
    assert [(p.id, p.record_number) for p in listed.parsed] == [(patient.pk, patient.record_number)]

    read = operation(generated_client, "patients", "get_patient").sync_detailed(client=authed, patient_id=patient.pk)
    assert read.status_code == 200
    assert (read.parsed.first_name, read.parsed.date_of_birth) == (patient.first_name, patient.date_of_birth)

    inquiry = model(generated_client, "InquiryIn")(
        organisation=portland.organisation.slug,
        first_name="Ana",
        last_name="Lima",
        date_of_birth=dt.date(1990, 4, 2),
        phone="(503) 555-0199",
        email="ana@example.org",
        preferred_location_id=portland.pk,
        windows=[
            model(generated_client, "WindowIn")(
                # The generator types a `format: time` string as a plain str.
                date=patient.today() + dt.timedelta(days=3),
                start_time="09:00",
                end_time="12:00",
            )
        ],
        reasons=["depression"],
        consent_to_contact=True,
    )
    submitted = operation(generated_client, "inquiries", "submit_inquiry").sync_detailed(client=anonymous, body=inquiry)
    assert submitted.status_code == 201, submitted.content
    assert submitted.parsed.received is True

    waste = model(generated_client, "WasteIn")(
        vial_id=vial.pk,
        quantity_mg="5",
        reason="Left in the syringe",
        witness_id=staff["prescriber"].pk,
        witness_password=password,
    )
    wasted = operation(generated_client, "ledger", "record_waste").sync_detailed(client=authed, body=waste)
    assert wasted.status_code == 201, wasted.content
    assert wasted.parsed.kind == "waste"
