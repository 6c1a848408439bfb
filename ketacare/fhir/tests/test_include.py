"""`_include` and `_revinclude=Provenance:target`: included resources come after the matches with
`search.mode = include`, once each, only what the reader may see, audited with the matches; an unsupported value
is a 400 naming it; the CapabilityStatement lists what is answered."""

import pytest
from fhirclient.models.bundle import Bundle

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.fhir.tests.test_access import outcome


@pytest.fixture
def signed(record, staff, sign_session):
    sign_session(record.iv_session, staff["nurse"], staff["prescriber"])
    return record


def entries(response) -> list[tuple[str, str]]:
    """(mode, Type/id) of each entry, in order; the bundle parses as R4."""
    assert response.status_code == 200, response.content
    bundle = response.json()
    Bundle(bundle)
    return [
        (entry["search"]["mode"], f"{entry['resource']['resourceType']}/{entry['resource']['id']}")
        for entry in bundle.get("entry", [])
    ]


def test_include_patient_adds_the_patient_once_after_the_matches(record, staff, fhir_get):
    found = entries(fhir_get(staff["nurse"], "Encounter", patient=record.patient.pk, _include="Encounter:patient"))
    modes = [mode for mode, _ in found]
    assert modes[-1] == "include" and set(modes[:-1]) == {"match"} and len(modes) > 2
    assert found[-1] == ("include", f"Patient/{record.patient.pk}")
    # Without _include, matches only.
    assert {mode for mode, _ in entries(fhir_get(staff["nurse"], "Encounter", patient=record.patient.pk))} == {"match"}
    # The type may be given: Encounter:patient:Patient.
    with_type = entries(fhir_get(staff["nurse"], "Encounter", _include="Encounter:patient:Patient"))
    assert ("include", f"Patient/{record.patient.pk}") in with_type


def test_declared_includes_follow_their_reference(record, staff, fhir_get):
    found = entries(
        fhir_get(
            staff["nurse"],
            "MedicationAdministration",
            _id=f"dose-{record.dose.pk}",
            _include="MedicationAdministration:context",
        )
    )
    assert found == [
        ("match", f"MedicationAdministration/dose-{record.dose.pk}"),
        ("include", f"Encounter/session-{record.iv_session.pk}"),
    ]
    found = entries(fhir_get(staff["nurse"], "Procedure", _include="Procedure:encounter"))
    assert ("include", f"Encounter/session-{record.iv_session.pk}") in found


def test_revinclude_provenance_of_the_matches(signed, staff, fhir_get):
    session = signed.iv_session
    found = entries(
        fhir_get(staff["prescriber"], "Encounter", _id=f"session-{session.pk}", _revinclude="Provenance:target")
    )
    assert found == [
        ("match", f"Encounter/session-{session.pk}"),
        ("include", f"Provenance/session-{session.pk}"),
    ]
    # A record nobody signed has none; a type no Provenance points at includes nothing.
    unsigned = entries(
        fhir_get(
            staff["prescriber"],
            "Encounter",
            _id=f"session-{signed.esketamine_session.pk}",
            _revinclude="Provenance:target",
        )
    )
    assert [mode for mode, _ in unsigned] == ["match"]
    assert {
        mode for mode, _ in entries(fhir_get(staff["prescriber"], "Condition", _revinclude="Provenance:target"))
    } == {"match"}


def test_included_resources_stay_in_the_readers_scope(signed, staff, second_patient, other_staff, fhir_get):
    consent = signed.consent
    found = entries(fhir_get(staff["front_desk"], "Consent", _id=consent.pk, _revinclude="Provenance:target"))
    assert ("include", f"Provenance/consent-{consent.pk}") in found
    # A patient's includes stay in their own compartment; another patient or clinic finds none of them.
    query = {"_include": "Encounter:patient", "_revinclude": "Provenance:target"}
    own = entries(fhir_get(signed.patient.user, "Encounter", **query))
    assert ("include", f"Patient/{signed.patient.pk}") in own
    assert ("include", f"Provenance/session-{signed.iv_session.pk}") in own
    assert entries(fhir_get(second_patient.user, "Encounter", **query)) == []
    assert entries(fhir_get(other_staff["prescriber"], "Encounter", patient=signed.patient.pk, **query)) == []


def test_included_resources_are_audited_with_the_matches(signed, staff, fhir_get):
    fhir_get(staff["prescriber"], "Encounter", patient=signed.patient.pk, _revinclude="Provenance:target")
    entry = AuditEntry.objects.filter(action=AuditAction.EXPORT, object_type="fhir.encounter").latest("pk")
    assert f"Provenance/session-{signed.iv_session.pk}" in entry.detail["resources"]
    assert entry.patient_id == signed.patient.pk


@pytest.mark.parametrize(
    "name, value",
    [
        ("_include", "Encounter:subject"),
        ("_include", "Observation:patient"),
        ("_include", "Encounter:patient:Practitioner"),
        ("_include", "*"),
        ("_revinclude", "Provenance:agent"),
        ("_revinclude", "AuditEvent:entity"),
    ],
)
def test_an_unsupported_include_is_a_400_naming_it(record, staff, fhir_get, name, value):
    body = outcome(fhir_get(staff["nurse"], "Encounter", **{name: value}), 400, "invalid")
    assert body["issue"][0]["expression"] == [name]
    assert repr(value) in body["issue"][0]["diagnostics"]


def test_capability_statement_lists_includes(client):
    resources = {entry["type"]: entry for entry in client.get("/fhir/metadata").json()["rest"][0]["resource"]}
    assert resources["Encounter"]["searchInclude"] == ["Encounter:patient"]
    assert resources["MedicationAdministration"]["searchInclude"] == [
        "MedicationAdministration:patient",
        "MedicationAdministration:context",
    ]
    assert resources["Procedure"]["searchRevInclude"] == ["Provenance:target"]
    assert resources["Patient"]["searchRevInclude"] == ["Provenance:target"]
    assert "searchInclude" not in resources["Organization"]
    assert "searchRevInclude" not in resources["Questionnaire"]
