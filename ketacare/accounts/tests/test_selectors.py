"""Colleagues: active staff of the same organisation only; narrowed by role or by what the role
matrix lets them do; any other id (another clinic's, a patient's, inactive, out of range) is nobody."""

import pytest

from ketacare.accounts.domain.roles import MATRIX, Permission, Role, roles_with
from ketacare.accounts.selectors import colleague_by_id, colleagues, staff_of_organisation

pytestmark = pytest.mark.django_db


def _roles(users) -> set[str]:
    return {user.role for user in users}


def test_colleagues_are_the_active_staff_of_the_own_organisation(staff, other_staff, patient):
    nurse = staff["nurse"]
    assert set(colleagues(nurse)) == set(staff.values())  # the asker included; no patient, no other clinic
    staff["therapist"].is_active = False
    staff["therapist"].save(update_fields=["is_active"])
    assert staff["therapist"] not in colleagues(nurse)


def test_narrowed_by_role_and_by_permission(staff):
    nurse = staff["nurse"]
    assert _roles(colleagues(nurse, roles=[Role.PRESCRIBER])) == {Role.PRESCRIBER}
    assert _roles(colleagues(nurse, permission=Permission.LEDGER_RECORD)) == {Role.NURSE, Role.PRESCRIBER}
    assert _roles(colleagues(nurse, roles=[Role.NURSE, Role.CLINIC_ADMIN], permission=Permission.LEDGER_RECORD)) == {
        Role.NURSE
    }
    # A patient role is never staff, whatever is asked for.
    assert not colleagues(nurse, roles=[Role.PATIENT]).exists()


def test_a_permission_narrows_to_exactly_the_matrix_roles(staff):
    for permission in Permission:
        expected = {user for user in staff.values() if user.may(permission)}
        assert set(colleagues(staff["clinic_admin"], permission=permission)) == expected, permission


def test_roles_with_reads_the_matrix():
    assert roles_with(Permission.LEDGER_RESOLVE) == MATRIX[Permission.LEDGER_RESOLVE] == {Role.PRESCRIBER}


@pytest.mark.parametrize("value", [None, "", "1", 0, -1, 2**63, True, 1.0])
def test_a_value_that_is_no_id_finds_nobody(staff, value):
    assert colleague_by_id(staff["nurse"], value) is None


def test_colleague_by_id_finds_only_a_colleague(staff, other_staff, patient):
    nurse = staff["nurse"]
    assert colleague_by_id(nurse, staff["prescriber"].pk, roles=[Role.PRESCRIBER]) == staff["prescriber"]
    assert colleague_by_id(nurse, staff["therapist"].pk, roles=[Role.PRESCRIBER]) is None
    assert colleague_by_id(nurse, other_staff["prescriber"].pk) is None
    assert colleague_by_id(nurse, patient.user.pk) is None


def test_no_organisation_means_no_colleagues(staff):
    assert not staff_of_organisation(None).exists()
    loner = staff["nurse"]
    loner.organisation = None
    assert not colleagues(loner).exists()


def test_display_name_is_the_full_name_or_else_the_username(staff):
    nurse = staff["nurse"]
    assert nurse.display_name == "Nurse Tester"
    nurse.first_name = nurse.last_name = ""
    assert nurse.display_name == "nurse_harbor"
