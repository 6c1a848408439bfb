"""The role matrix (accounts/domain/roles.py): pure rules, no database."""

from enum import StrEnum

import pytest

from ketacare.accounts.domain.roles import (
    MATRIX,
    STAFF_ROLES,
    Permission,
    Role,
    requires_two_factor,
    role_may,
)

FD, NU, PR, TH, CA, BI, PA, BS = (
    Role.FRONT_DESK,
    Role.NURSE,
    Role.PRESCRIBER,
    Role.THERAPIST,
    Role.CLINIC_ADMIN,
    Role.BILLING,
    Role.PATIENT,
    Role.BACKEND_SERVICE,
)

# The matrix for the permissions that guard patient data, the audit trail and settings.
# A change to the matrix must change this table too, on purpose.
PINNED = {
    Permission.INQUIRY_VIEW: {FD, NU, PR, CA},
    Permission.INQUIRY_TRIAGE: {FD, CA},
    Permission.INQUIRY_CONVERT: {FD, CA},
    Permission.PATIENT_LIST: {FD, NU, PR, TH, CA, BI},
    Permission.PATIENT_VIEW: {FD, NU, PR, TH, CA, BS},  # BS: a FHIR bulk export reads the chart
    Permission.PATIENT_REGISTER: {FD, CA},
    Permission.PATIENT_EDIT_DEMOGRAPHICS: {FD, NU, PR, CA},
    Permission.PATIENT_EDIT_CLINICAL: {NU, PR},
    Permission.PATIENT_EXPORT: {PR, CA, BS},
    Permission.PATIENT_MERGE: {CA},
    Permission.OWN_RECORD_VIEW: {PA},
    Permission.AUDIT_VIEW: {CA},
    Permission.AUDIT_EXPORT: {CA},
    Permission.CLINIC_PAGES_EDIT: {CA},
    Permission.ORGANISATION_SETTINGS: {CA},
    Permission.API_TOKEN_MANAGE: {FD, NU, PR, TH, CA, BI},
    Permission.CONSULTATION_NOTE_VIEW: {NU, PR, TH},
    Permission.CONSULTATION_NOTE_WRITE: {PR},
    Permission.REFERRAL_LETTER_VIEW: {NU, PR, TH, CA},
    Permission.REFERRAL_LETTER_WRITE: {PR},
    Permission.STAFF_MANAGE: {CA},
    Permission.PORTAL_ACCOUNTS_MANAGE: {FD, CA},
    # Money: billing staff see no chart and no clinical note (above), and run the money.
    Permission.BILLING_VIEW: {FD, CA, BI},
    Permission.PAYMENTS_ADJUST: {CA, BI},
    Permission.CLAIMS_MANAGE: {CA, BI},
}


def test_billing_staff_hold_no_clinical_permission():
    clinical = {"patient.view", "session.view", "therapy.note_view", "consultations.note_view", "measures.view"}
    held = {permission.value for permission in Permission if role_may(Role.BILLING.value, permission)}
    assert not held & clinical


def test_every_permission_is_granted_to_at_least_one_role():
    for permission in Permission:
        assert MATRIX.get(permission), f"{permission} is granted to nobody"


@pytest.mark.parametrize(("permission", "allowed"), sorted(PINNED.items()))
def test_the_matrix_is_pinned(permission, allowed):
    for role in Role:
        assert role_may(role.value, permission) is (role in allowed), (role, permission)


def test_patients_hold_nothing_but_their_own_record():
    held = {permission for permission in Permission if role_may(Role.PATIENT.value, permission)}
    assert held == {Permission.OWN_RECORD_VIEW}


def test_no_staff_role_sees_the_portal():
    assert not any(role_may(role.value, Permission.OWN_RECORD_VIEW) for role in STAFF_ROLES)


@pytest.mark.parametrize("role", [None, "", "superuser", "admin", "CLINIC_ADMIN", "clinic_admin "])
def test_an_unknown_role_holds_nothing(role):
    assert not any(role_may(role, permission) for permission in Permission)


def test_a_permission_missing_from_the_matrix_is_denied_to_everyone():
    class Unlisted(StrEnum):
        NEW = "something.new"

    assert not any(role_may(role.value, Unlisted.NEW) for role in Role)


@pytest.mark.parametrize(
    ("role", "demo_mode", "required"),
    [
        ("prescriber", False, True),
        ("clinic_admin", False, True),
        ("prescriber", True, False),
        ("clinic_admin", True, False),
        ("front_desk", False, False),
        ("nurse", False, False),
        ("therapist", False, False),
        ("patient", False, False),
        (None, False, False),
    ],
)
def test_two_factor_is_required_for_prescribers_and_admins_outside_demo_mode(role, demo_mode, required):
    assert requires_two_factor(role, demo_mode=demo_mode) is required
