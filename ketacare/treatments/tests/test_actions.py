"""The session's steps through the actions: hold and override, dose and ledger, vitals, discharge, lock."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditEntry
from ketacare.clinics.models import Location
from ketacare.ledger.models import EntryKind, LedgerEntry, Vial
from ketacare.scheduling.models import AppointmentKind, AppointmentStatus
from ketacare.treatments import actions
from ketacare.treatments.models import LockedRecordError, SessionStatus, TreatmentSession, VitalSign
from ketacare.treatments.selectors import vital_schedule
from ketacare.treatments.start_checks import register_start_check
from ketacare.treatments.tests.conftest import ALL_CHECKS, checked_in, vitals

pytestmark = pytest.mark.django_db


def run_to_observing(staff, world, clock, *, systolic=120):
    nurse, prescriber = staff["nurse"], staff["prescriber"]
    session = checked_in(nurse, world["appointment"])
    vitals(session, nurse, systolic=systolic)
    session = actions.do_complete_prechecks(nurse, session.pk)
    if session.status == SessionStatus.HELD:
        actions.do_override_hold(prescriber, session.pk, reason="Anxious at arrival; rechecked 138/88 informally")
    actions.do_prepare_dose(nurse, session.pk, vial_id=world["vial"].pk, checked_by_id=prescriber.pk)
    actions.do_start_administration(nurse, session.pk)
    return session


class TestHoldAndOverride:
    def test_bp_above_delay_level_holds_until_prescriber_overrides(self, staff, iv_world, clock):
        nurse, prescriber = staff["nurse"], staff["prescriber"]
        session = checked_in(nurse, iv_world["appointment"])
        vitals(session, nurse, systolic=152, diastolic=94)
        session = actions.do_complete_prechecks(nurse, session.pk)
        assert session.status == SessionStatus.HELD
        assert "152" in session.hold_reason and "94" in session.hold_reason
        # Held: no dose can be drawn.
        with pytest.raises(ValidationError, match="held"):
            actions.do_prepare_dose(nurse, session.pk, vial_id=iv_world["vial"].pk, checked_by_id=prescriber.pk)
        # The nurse may not override; the prescriber must give a reason.
        with pytest.raises(PermissionDenied):
            actions.do_override_hold(nurse, session.pk, reason="fine")
        with pytest.raises(ValidationError) as error:
            actions.do_override_hold(prescriber, session.pk, reason="   ")
        assert "reason" in error.value.message_dict
        session = actions.do_override_hold(prescriber, session.pk, reason="White-coat; home readings normal")
        assert session.status == SessionStatus.PRECHECKS_DONE and session.overridden_by == prescriber
        entry = AuditEntry.objects.filter(
            object_type="treatments.treatmentsession", object_id=str(session.pk), actor=prescriber
        ).last()
        assert entry.detail["override"] is True and entry.detail["reason"] == "White-coat; home readings normal"

    def test_within_delay_level_goes_ahead(self, staff, iv_world, clock):
        session = checked_in(staff["nurse"], iv_world["appointment"])
        vitals(session, staff["nurse"], systolic=140, diastolic=90)  # CLINICAL.md §2: ">140/90"
        assert actions.do_complete_prechecks(staff["nurse"], session.pk).status == SessionStatus.PRECHECKS_DONE

    def test_missing_checklist_item_named(self, staff, iv_world, clock):
        session = checked_in(staff["nurse"], iv_world["appointment"], checks={**ALL_CHECKS, "driver": False})
        vitals(session, staff["nurse"])
        with pytest.raises(ValidationError, match="Driver home confirmed"):
            actions.do_complete_prechecks(staff["nurse"], session.pk)
        assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.CHECKED_IN


class TestDoseAndLedger:
    def test_dose_in_mg_and_ml_from_the_vial_checked_by_another_and_waste_witnessed(
        self, staff, iv_world, clock, password
    ):
        nurse, prescriber = staff["nurse"], staff["prescriber"]
        session = checked_in(nurse, iv_world["appointment"])
        vitals(session, nurse)
        actions.do_complete_prechecks(nurse, session.pk)
        # Checker must be someone else.
        with pytest.raises(ValidationError) as error:
            actions.do_prepare_dose(nurse, session.pk, vial_id=iv_world["vial"].pk, checked_by_id=nurse.pk)
        assert "checked_by" in error.value.message_dict
        preparation = actions.do_prepare_dose(
            nurse, session.pk, vial_id=iv_world["vial"].pk, checked_by_id=prescriber.pk
        )
        # 70 kg × 0.5 mg/kg = 35 mg; 35 mg / 50 mg/mL = 0.7 mL.
        assert preparation.dose_mg == Decimal("35") and preparation.volume_ml == Decimal("0.70")
        assert preparation.lot == iv_world["vial"].lot
        entry = LedgerEntry.objects.get(pk=preparation.ledger_entry_id)
        assert entry.kind == EntryKind.ADMINISTRATION and entry.treatment_session_id == session.pk
        assert entry.checked_by == prescriber and entry.quantity_mg == Decimal("-35")
        # Wrong witness password: nothing recorded.
        with pytest.raises(ValidationError) as error:
            actions.do_waste_remainder(
                nurse,
                session.pk,
                preparation.pk,
                quantity_mg="465",
                witness_id=prescriber.pk,
                witness_password="wrong",
                reason="Remainder",
            )
        assert "witness_password" in error.value.message_dict
        assert Vial.objects.get(pk=iv_world["vial"].pk).balance_mg == Decimal("465")
        preparation = actions.do_waste_remainder(
            nurse,
            session.pk,
            preparation.pk,
            quantity_mg="465",
            witness_id=prescriber.pk,
            witness_password=password,
            reason="Remainder of vial",
        )
        assert preparation.wasted_mg == Decimal("465") and preparation.waste_witness == prescriber
        assert Vial.objects.get(pk=iv_world["vial"].pk).balance_mg == Decimal("0")
        with pytest.raises(ValidationError, match="already been wasted"):
            actions.do_waste_remainder(
                nurse,
                session.pk,
                preparation.pk,
                quantity_mg="1",
                witness_id=prescriber.pk,
                witness_password=password,
                reason="again",
            )

    def test_other_locations_vial_refused(self, staff, iv_world, clock, org, receive):
        boston = Location.objects.get(organisation=org, name="Harbor Boston")
        vial = receive(staff["nurse"], boston, iv_world["vial"].product, lot="B1")[0].vial
        session = checked_in(staff["nurse"], iv_world["appointment"])
        vitals(session, staff["nurse"])
        actions.do_complete_prechecks(staff["nurse"], session.pk)
        with pytest.raises(ValidationError) as error:
            actions.do_prepare_dose(staff["nurse"], session.pk, vial_id=vial.pk, checked_by_id=staff["prescriber"].pk)
        assert "vial_id" in error.value.message_dict
        assert not LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION).exists()


class TestVitalsSchedule:
    def test_late_and_missed_checks_flagged(self, staff, iv_world, clock):
        nurse = staff["nurse"]
        session = run_to_observing(staff, iv_world, clock)
        vitals(session, nurse)  # minute 0
        clock.advance(22)
        late = vitals(session, nurse)  # the 15-minute check, 7 minutes late (tolerance 5)
        assert late.scheduled_minute == 15 and late.minutes_late == 7
        clock.advance(19)  # minute 41: the 30-minute check was missed
        on_time = vitals(session, nurse)
        assert on_time.scheduled_minute == 40 and on_time.minutes_late == 0
        states = {
            c.scheduled_minute: c.state for c in vital_schedule(TreatmentSession.objects.get(pk=session.pk), clock.now)
        }
        assert states[0] == "done" and states[15] == "late" and states[30] == "missed" and states[40] == "done"

    def test_stop_level_prompts(self, staff, iv_world, clock):
        session = run_to_observing(staff, iv_world, clock)
        vital = vitals(session, staff["nurse"], systolic=185, diastolic=100)
        assert vital.stop_reasons and "185" in vital.stop_reasons[0]

    def test_bad_vitals_change_nothing(self, staff, iv_world, clock):
        session = checked_in(staff["nurse"], iv_world["appointment"])
        for bad in ({"systolic": "abc"}, {"systolic": 500}, {"systolic": 80, "diastolic": 90}):
            with pytest.raises(ValidationError):
                vitals(session, staff["nurse"], **bad)
        with pytest.raises(ValidationError, match="future"):
            vitals(session, staff["nurse"], recorded_at=clock.now + dt.timedelta(hours=1))
        assert not VitalSign.objects.exists()


class TestDischargeAndLock:
    def test_discharge_refused_naming_each_missing_criterion_then_signed_and_locked(self, staff, iv_world, clock):
        nurse, prescriber = staff["nurse"], staff["prescriber"]
        session = run_to_observing(staff, iv_world, clock)
        clock.advance(40)
        actions.do_stop_administration(nurse, session.pk)
        vitals(session, nurse, systolic=150)
        with pytest.raises(ValidationError) as error:
            actions.do_discharge(
                nurse, session.pk, alert=True, walking_steadily=False, accompanied_home=True, escort_name="Sam"
            )
        assert set(error.value.message_dict) == {"vitals", "walking_steadily"}
        assert not hasattr(TreatmentSession.objects.get(pk=session.pk), "discharge")
        vitals(session, nurse, systolic=128)
        with pytest.raises(ValidationError) as error:
            actions.do_discharge(nurse, session.pk, alert=True, walking_steadily=True, accompanied_home=False)
        assert set(error.value.message_dict) == {"accompanied_home"}
        session = actions.do_discharge(
            nurse, session.pk, alert=True, walking_steadily=True, accompanied_home=True, escort_name="Sam (partner)"
        )
        assert session.status == SessionStatus.DISCHARGED and session.monitoring_minutes == 40
        iv_world["appointment"].refresh_from_db()
        assert iv_world["appointment"].status == "completed"  # the visit took place
        actions.do_sign_session(nurse, session.pk)
        with pytest.raises(ValidationError, match="already signed"):
            actions.do_sign_session(nurse, session.pk)
        actions.do_sign_session(prescriber, session.pk)
        session = TreatmentSession.objects.get(pk=session.pk)
        assert session.status == SessionStatus.SIGNED
        # Locked: every step refused, even at the model level; addenda only.
        with pytest.raises(ValidationError, match="locked"):
            vitals(session, nurse)
        with pytest.raises(LockedRecordError):
            VitalSign.objects.filter(session=session).first().save()
        with pytest.raises(LockedRecordError):
            session.save()
        addendum = actions.do_add_addendum(prescriber, session.pk, text="Infusion pump serial corrected: P-22")
        assert addendum.session_id == session.pk

    def test_iv_minimum_observation(self, staff, iv_world, clock):
        session = run_to_observing(staff, iv_world, clock)
        clock.advance(10)
        actions.do_stop_administration(staff["nurse"], session.pk)
        vitals(session, staff["nurse"])
        with pytest.raises(ValidationError) as error:
            actions.do_discharge(
                staff["nurse"], session.pk, alert=True, walking_steadily=True, accompanied_home=True, escort_name="Sam"
            )
        assert "10 of 30 minutes" in error.value.message_dict["observation"][0]


class TestAccess:
    def test_other_roles_and_organisations(self, staff, other_staff, iv_world, clock):
        session = checked_in(staff["nurse"], iv_world["appointment"])
        with pytest.raises(PermissionDenied):
            actions.do_start_session(staff["front_desk"], iv_world["appointment"].pk)
        with pytest.raises(PermissionDenied):
            vitals(session, staff["therapist"])
        with pytest.raises(Http404):
            vitals(session, other_staff["nurse"])
        with pytest.raises(Http404):
            actions.do_start_session(other_staff["nurse"], iv_world["appointment"].pk)

    def test_start_twice_opens_the_same_session(self, staff, iv_world, clock):
        first = actions.do_start_session(staff["nurse"], iv_world["appointment"].pk)
        assert actions.do_start_session(staff["nurse"], iv_world["appointment"].pk) == first


class TestEsketamine:
    @pytest.fixture
    def esk(self, org, staff, patient, iv_world, receive, make_session_appointment, make_treatment_plan):
        portland = iv_world["appointment"].location
        make_treatment_plan(patient, "esketamine-nasal", staff["prescriber"])
        appointment = make_session_appointment(patient, portland, AppointmentKind.ESKETAMINE, staff["front_desk"])
        kit = receive(staff["nurse"], portland, iv_world["esketamine_product"], lot="SPR-1")[0].vial
        return {"appointment": appointment, "kit": kit}

    def _ready(self, staff, esk):
        nurse = staff["nurse"]
        session = actions.do_start_session(nurse, esk["appointment"].pk)
        actions.do_record_checklist(
            nurse,
            session.pk,
            answers={
                "identity": True,
                "questionnaires": True,
                "fasting": True,
                "driver": True,
                "interacting_medicines": True,
            },
            interacting_medicines=["benzodiazepine"],
        )
        vitals(session, nurse)
        return actions.do_complete_prechecks(nurse, session.pk)

    def test_a_registered_start_check_refuses_the_dose_and_each_device(self, staff, esk, clock, no_start_checks):
        """A programme above treatments (the REMS: rems/tests/test_start_check.py) forbids a dose
        through start_checks.py; its problems are joined on its field and nothing is written."""
        nurse, prescriber = staff["nurse"], staff["prescriber"]
        problems, asked = ["Not certified.", "Not enrolled."], []
        register_start_check("programme", lambda session: asked.append(session.pk) or list(problems))
        session = self._ready(staff, esk)
        with pytest.raises(ValidationError) as error:
            actions.do_prepare_dose(nurse, session.pk, vial_id=esk["kit"].pk, checked_by_id=prescriber.pk, dose_mg=56)
        assert error.value.message_dict == {"programme": ["Not certified. Not enrolled."]}
        assert asked == [session.pk]
        assert not LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION).exists()
        problems.clear()
        actions.do_prepare_dose(nurse, session.pk, vial_id=esk["kit"].pk, checked_by_id=prescriber.pk, dose_mg=56)
        problems.append("Withdrawn.")
        with pytest.raises(ValidationError) as error:
            actions.do_record_device(nurse, session.pk)
        assert error.value.message_dict == {"programme": ["Withdrawn."]}
        assert not TreatmentSession.objects.get(pk=session.pk).devices.exists()

    def test_devices_with_rests_and_two_hours(self, staff, patient, esk, clock, no_start_checks):
        nurse = staff["nurse"]
        session = self._ready(staff, esk)
        assert session.interacting_medicines == ["benzodiazepine"]
        actions.do_prepare_dose(
            nurse, session.pk, vial_id=esk["kit"].pk, checked_by_id=staff["prescriber"].pk, dose_mg=56
        )
        first = actions.do_record_device(nurse, session.pk)
        clock.advance(3)
        with pytest.raises(ValidationError, match="Rest 5 minutes"):
            actions.do_record_device(nurse, session.pk)
        clock.advance(2)
        actions.do_record_device(nurse, session.pk)
        session = TreatmentSession.objects.get(pk=session.pk)
        assert session.status == SessionStatus.OBSERVING and session.first_device_at == first.administered_at
        assert session.dose_mg == Decimal("56") and session.lot == "SPR-1"
        clock.advance(60)
        vitals(session, nurse)
        with pytest.raises(ValidationError) as error:
            actions.do_discharge(
                nurse, session.pk, alert=True, walking_steadily=True, accompanied_home=True, escort_name="Kim"
            )
        assert "65 of 120 minutes" in error.value.message_dict["observation"][0]
        clock.advance(56)
        session = actions.do_discharge(
            nurse, session.pk, alert=True, walking_steadily=True, accompanied_home=True, escort_name="Kim"
        )
        assert session.monitoring_minutes == 121


def test_start_checks_the_appointment_in_only_on_its_day(
    staff, iv_world, clock, patient, portland, make_session_appointment
):
    actions.do_start_session(staff["nurse"], iv_world["appointment"].pk)
    iv_world["appointment"].refresh_from_db()
    assert iv_world["appointment"].status == AppointmentStatus.CHECKED_IN
    later = make_session_appointment(
        patient,
        portland,
        AppointmentKind.IV_INFUSION,
        staff["front_desk"],
        starts_at=iv_world["appointment"].starts_at + dt.timedelta(days=3),
    )
    with pytest.raises(ValidationError) as error:
        actions.do_start_session(staff["nurse"], later.pk)
    assert "starts_at" in error.value.message_dict
    assert TreatmentSession.objects.count() == 1
