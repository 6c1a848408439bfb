"""SMART scopes (fhir/domain/scopes.py): v2 and v1 forms, what a grant allows, coverage by an app's
registered scopes, and the plain words of the consent screen."""

import pytest

from ketacare.fhir.domain.scopes import ScopeContext, ScopeError, describe, parse_scopes, within


def test_v2_and_v1_forms_grant_read_and_search():
    grant = parse_scopes("patient/Observation.rs user/Patient.r patient/Condition.read launch/patient offline_access")
    assert grant.allows("Observation", "r") and grant.allows("Observation", "s")
    assert grant.allows("Patient", "r") and not grant.allows("Patient", "s")
    assert grant.allows("Condition", "s")
    assert not grant.allows("AllergyIntolerance", "r")
    assert grant.asks_for_patient and grant.refresh_allowed
    assert {scope.context for scope in grant.resource_scopes} == {ScopeContext.PATIENT, ScopeContext.USER}


def test_wildcards_cover_every_type():
    grant = parse_scopes("user/*.rs")
    assert grant.allows("Encounter", "s") and grant.allows("Practitioner", "r")
    assert not grant.refresh_allowed and not grant.asks_for_patient


@pytest.mark.parametrize(
    "scope",
    ["patient/Observation.write", "patient/*.*", "patient/Observation.cruds", "patient/Observation.sr", "email", "x"],
)
def test_scopes_not_granted_here_are_refused_by_name(scope):
    with pytest.raises(ScopeError, match=scope.split(".")[0].replace("*", r"\*")):
        parse_scopes(scope)


def test_compartment_only_is_decided_per_type():
    grant = parse_scopes("patient/Observation.rs user/Patient.rs")
    assert grant.compartment_only("Observation")
    assert not grant.compartment_only("Patient")
    assert not grant.compartment_only()  # a user/ scope is in the grant
    assert parse_scopes("patient/*.rs").compartment_only()


def test_requested_scopes_must_be_within_the_apps_scopes():
    allowed = "launch/patient patient/*.rs user/Observation.rs"
    assert within("launch/patient patient/Observation.rs", allowed)
    assert within("patient/Condition.r user/Observation.s", allowed)
    assert not within("user/Condition.rs", allowed)
    assert not within("patient/*.rs offline_access", allowed)
    assert not within("system/*.rs", allowed)


def test_plain_words_for_the_consent_screen():
    assert describe("patient/Observation.rs") == "Read and search Observation records of the patient you choose"
    assert describe("user/*.read") == "Read and search all records that you may see"
    assert describe("offline_access").startswith("Keep access after you close the app")
