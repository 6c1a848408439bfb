"""rems_blockers(): an esketamine session needs a certified setting and an enrolled patient (CLINICAL.md §2)."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ketacare.rems import actions
from ketacare.rems.domain.rules import (
    CertificationFacts,
    certification_problem,
    enrollment_problem,
)
from ketacare.rems.models import RemsCertification, RemsEnrollment
from ketacare.rems.selectors import rems_blockers

DAY = dt.date(2026, 11, 22)


def test_no_certification_and_no_enrollment_give_two_messages(patient, portland):
    blockers = rems_blockers(patient, portland, on=DAY)
    assert len(blockers) == 2
    assert "Harbor Portland has no esketamine REMS certification" in blockers[0]
    assert "Pat1 Example1 is not enrolled" in blockers[1]


def test_certified_and_enrolled_is_clear(patient, portland, certified, enrolled):
    assert rems_blockers(patient, portland, on=DAY) == []
    # The other location of the clinic is not certified.
    boston = portland.organisation.locations.get(name="Harbor Boston")
    assert rems_blockers(patient, boston, on=DAY) == [
        "Harbor Boston has no esketamine REMS certification on record; record it before esketamine sessions."
    ]


def test_no_location_is_a_blocker(patient):
    assert "REMS-certified" in rems_blockers(patient, None)[0]


def test_expired_future_and_withdrawn_certifications():
    live = CertificationFacts("A", dt.date(2025, 1, 1), dt.date(2026, 1, 1), True)
    assert "expired on 2026-01-01" in certification_problem("Clinic", [live], DAY)
    assert certification_problem("Clinic", [live], dt.date(2026, 1, 1)) == ""
    future = CertificationFacts("B", dt.date(2026, 12, 1), None, True)
    assert "starts on 2026-12-01" in certification_problem("Clinic", [future], DAY)
    withdrawn = CertificationFacts("C", dt.date(2025, 1, 1), None, False)
    assert "no esketamine REMS certification" in certification_problem("Clinic", [withdrawn], DAY)
    assert enrollment_problem("Pat", [dt.date(2026, 12, 1)], DAY).endswith("starts on 2026-12-01.")


def test_a_withdrawn_enrollment_blocks_again(patient, portland, certified, enrolled, staff):
    actions.do_withdraw_enrollment(staff["prescriber"], patient.pk, reason="Moved to another clinic")
    assert "not enrolled" in rems_blockers(patient, portland, on=DAY)[0]


def test_enrollment_rules(patient, staff, other_org_patient, other_staff):
    with pytest.raises(PermissionDenied):
        actions.do_enroll_patient(staff["nurse"], patient.pk, enrollment_id="X", enrolled_on=DAY)
    with pytest.raises(ValidationError) as error:
        actions.do_enroll_patient(staff["clinic_admin"], patient.pk, enrollment_id="X", enrolled_on=DAY)
    assert "enrolled_by_id" in error.value.message_dict  # a clinic admin names the prescriber
    enrollment = actions.do_enroll_patient(
        staff["clinic_admin"], patient.pk, enrollment_id="X", enrolled_on=DAY, enrolled_by_id=staff["prescriber"].pk
    )
    assert enrollment.enrolled_by == staff["prescriber"] and enrollment.recorded_by == staff["clinic_admin"]
    with pytest.raises(ValidationError):
        actions.do_enroll_patient(staff["prescriber"], patient.pk, enrollment_id="Y", enrolled_on=DAY)
    from django.http import Http404

    with pytest.raises(Http404):
        actions.do_enroll_patient(other_staff["prescriber"], patient.pk, enrollment_id="Z", enrolled_on=DAY)
    assert RemsEnrollment.objects.count() == 1


def test_certification_input_is_checked_and_audited(portland, staff, other_staff, audit_entries):
    with pytest.raises(ValidationError) as error:
        actions.do_record_certification(
            staff["clinic_admin"],
            location_id=portland.pk,
            certificate_id=" ",
            certified_on=DAY,
            authorized_representative="Dana",
        )
    assert "certificate_id" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.do_record_certification(
            staff["clinic_admin"],
            location_id=portland.pk,
            certificate_id="C1",
            certified_on=DAY,
            expires_on=DAY - dt.timedelta(days=1),
            authorized_representative="Dana",
        )
    assert "expires_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:  # another organisation's location
        actions.do_record_certification(
            other_staff["clinic_admin"],
            location_id=portland.pk,
            certificate_id="C1",
            certified_on=DAY,
            authorized_representative="Dana",
        )
    assert "location_id" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        actions.do_record_certification(
            staff["nurse"],
            location_id=portland.pk,
            certificate_id="C1",
            certified_on=DAY,
            authorized_representative="Dana",
        )
    assert not RemsCertification.objects.exists()
    actions.do_record_certification(
        staff["prescriber"],
        location_id=portland.pk,
        certificate_id="C1",
        certified_on=DAY,
        authorized_representative="Dana",
    )
    assert audit_entries(object_type="rems.remscertification")[0].detail["certificate_id"] == "C1"
