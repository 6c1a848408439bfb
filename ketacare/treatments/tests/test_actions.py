"""The session's steps through the actions: hold and override, dose and ledger, vitals, discharge, lock."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext

from ketacare.audit.models import AuditEntry
from ketacare.clinics.models import Location
from ketacare.ledger.models import EntryKind, LedgerEntry, Vial
from ketacare.scheduling.models import AppointmentKind, AppointmentStatus, StaffException
from ketacare.treatments import actions
from ketacare.treatments.models import LockedRecordError, SessionStatus, TreatmentSession, VitalSign
from ketacare.treatments.selectors import vital_schedule
from ketacare.treatments.selectors.chart import access_session_by_id
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
    actions.do_prepare_dose(nurse, session.pk, vial_id=world["vial"].pk, **world["second_check"])
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
            actions.do_prepare_dose(nurse, session.pk, vial_id=iv_world["vial"].pk, **iv_world["second_check"])
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
        preparation = actions.do_prepare_dose(
            nurse, session.pk, vial_id=iv_world["vial"].pk, **iv_world["second_check"]
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
            actions.do_prepare_dose(staff["nurse"], session.pk, vial_id=vial.pk, **iv_world["second_check"])
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


class TestSecondCheck:
    """Issue 14: the dose's "checked by" was picked from a list (offering staff not on site) and
    never signed in. The checker now signs in on the spot, is on shift here, and is not the nurse."""

    def _ready(self, staff, iv_world):
        session = checked_in(staff["nurse"], iv_world["appointment"])
        vitals(session, staff["nurse"])
        return actions.do_complete_prechecks(staff["nurse"], session.pk)

    def _dose(self, staff, iv_world, session, **check):
        return actions.do_prepare_dose(staff["nurse"], session.pk, vial_id=iv_world["vial"].pk, **check)

    def _refused(self, staff, iv_world, session, **check) -> dict:
        with pytest.raises(ValidationError) as error:
            self._dose(staff, iv_world, session, **check)
        assert not LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION).exists()
        assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.PRECHECKS_DONE
        return error.value.message_dict

    def test_wrong_password_refused_audited_and_locks_out(self, staff, iv_world, clock, password):
        session = self._ready(staff, iv_world)
        prescriber = staff["prescriber"]
        wrong = {"checker_username": prescriber.username, "checker_password": "not-it"}
        for _ in range(5):
            assert "password is not right" in self._refused(staff, iv_world, session, **wrong)["checker_password"][0]
        failures = AuditEntry.objects.filter(actor=prescriber, detail__event="witness_reauthentication_failed")
        assert failures.count() == 5 and failures.first().detail["session"] == session.pk
        # Locked out now (the ledger's witness lockout): even the right password is refused.
        gaps = self._refused(staff, iv_world, session, checker_username=prescriber.username, checker_password=password)
        assert "Too many wrong passwords" in gaps["checker_password"][0]

    def test_checker_off_shift_refused(self, staff, iv_world, clock, password, portland):
        session = self._ready(staff, iv_world)
        admin = staff["clinic_admin"]
        gaps = self._refused(staff, iv_world, session, checker_username=admin.username, checker_password=password)
        assert "not on shift at Harbor Portland" in gaps["checker_username"][0]

    def test_checker_on_leave_refused(self, staff, iv_world, clock, password):
        prescriber = staff["prescriber"]
        StaffException.objects.create(
            user=prescriber,
            is_available=False,
            starts_at=clock.now - dt.timedelta(hours=1),
            ends_at=clock.now + dt.timedelta(hours=1),
        )
        session = self._ready(staff, iv_world)
        gaps = self._refused(staff, iv_world, session, **iv_world["second_check"])
        assert "not on shift" in gaps["checker_username"][0]

    def test_self_check_refused(self, staff, iv_world, clock, password, put_on_shift, portland):
        nurse = staff["nurse"]
        put_on_shift(nurse, portland)
        session = self._ready(staff, iv_world)
        gaps = self._refused(staff, iv_world, session, checker_username=nurse.username, checker_password=password)
        assert "someone other than the nurse" in gaps["checker_username"][0]

    def test_unknown_or_other_clinics_username_refused(self, staff, other_staff, iv_world, clock, password):
        session = self._ready(staff, iv_world)
        for username in ("nobody-here", other_staff["prescriber"].username, ""):
            gaps = self._refused(staff, iv_world, session, checker_username=username, checker_password=password)
            assert "checker_username" in gaps

    def test_on_shift_checker_signs_in_and_is_recorded(self, staff, iv_world, clock):
        session = self._ready(staff, iv_world)
        preparation = self._dose(staff, iv_world, session, **iv_world["second_check"])
        assert preparation.checked_by == staff["prescriber"]
        entry = AuditEntry.objects.get(object_id=str(preparation.pk), detail__checked_by=staff["prescriber"].pk)
        assert entry.detail["checker_reauthenticated"] is True


class TestDischargeAndLock:
    def test_discharge_refused_naming_each_missing_criterion_then_signed_and_locked(self, staff, iv_world, clock):
        nurse, prescriber = staff["nurse"], staff["prescriber"]
        session = run_to_observing(staff, iv_world, clock)
        clock.advance(40)
        actions.do_stop_administration(nurse, session.pk)
        clock.advance(30)
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
        assert session.status == SessionStatus.DISCHARGED and session.monitoring_minutes == 70
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

    def test_iv_observation_counts_from_the_end_of_the_infusion_with_vitals_after_it(self, staff, iv_world, clock):
        """Issue 14: a 40-minute infusion was discharged the minute it stopped (30 minutes counted
        from its start). The clinic's minimum now runs from the end of administration, and only
        vitals taken after that end count."""
        nurse = staff["nurse"]
        session = run_to_observing(staff, iv_world, clock)
        clock.advance(39)
        vitals(session, nurse)  # during the infusion: does not show the patient after it
        clock.advance(1)
        actions.do_stop_administration(nurse, session.pk)

        def discharge():
            return actions.do_discharge(
                nurse, session.pk, alert=True, walking_steadily=True, accompanied_home=True, escort_name="Sam"
            )

        with pytest.raises(ValidationError) as error:
            discharge()
        gaps = error.value.message_dict
        assert set(gaps) == {"vitals", "observation"}
        assert "after the end of administration" in gaps["vitals"][0]
        assert "0 of 30 minutes observed since the end of administration" in gaps["observation"][0]
        clock.advance(29)
        vitals(session, nurse)
        with pytest.raises(ValidationError) as error:
            discharge()
        assert set(error.value.message_dict) == {"observation"}
        assert "29 of 30" in error.value.message_dict["observation"][0]
        assert TreatmentSession.objects.get(pk=session.pk).status == SessionStatus.OBSERVING
        clock.advance(1)
        assert discharge().monitoring_minutes == 70

    def test_the_clinic_sets_the_post_dose_observation(self, staff, iv_world, clock, org):
        actions.do_update_treatment_settings(staff["clinic_admin"], post_dose_observation_min=60)
        session = run_to_observing(staff, iv_world, clock)
        clock.advance(40)
        actions.do_stop_administration(staff["nurse"], session.pk)
        clock.advance(45)
        vitals(session, staff["nurse"])
        with pytest.raises(ValidationError, match="45 of 60 minutes observed since the end of administration"):
            actions.do_discharge(
                staff["nurse"], session.pk, alert=True, walking_steadily=True, accompanied_home=True, escort_name="Sam"
            )


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

    def test_a_step_reads_its_locked_session_in_one_lean_query(self, staff, iv_world, clock):
        """Every step locks the session (2,108 times in the demo's seed): one query with the joins the steps
        read, and no ORDER BY (Django compiles one by hashing every selected column)."""
        session = checked_in(staff["nurse"], iv_world["appointment"])

        with CaptureQueriesContext(connection) as queries:
            locked = access_session_by_id(staff["nurse"], session.pk, audit=False, for_update=True)

        [query] = queries.captured_queries
        assert "ORDER BY" not in query["sql"] and query["sql"].count(" JOIN ") == 5
        assert locked == session and locked.template.code == "iv-racemic-ketamine"


class TestEsketamine:
    @pytest.fixture
    def esk(self, org, staff, patient, iv_world, receive, make_session_appointment, make_treatment_plan):
        portland = iv_world["appointment"].location
        make_treatment_plan(patient, "esketamine-nasal", staff["prescriber"])
        appointment = make_session_appointment(patient, portland, AppointmentKind.ESKETAMINE, staff["front_desk"])
        kit = receive(staff["nurse"], portland, iv_world["esketamine_product"], lot="SPR-1")[0].vial
        return {"appointment": appointment, "kit": kit, "second_check": iv_world["second_check"]}

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
        nurse = staff["nurse"]
        problems, asked = ["Not certified.", "Not enrolled."], []
        register_start_check("programme", lambda session: asked.append(session.pk) or list(problems))
        session = self._ready(staff, esk)
        with pytest.raises(ValidationError) as error:
            actions.do_prepare_dose(nurse, session.pk, vial_id=esk["kit"].pk, **esk["second_check"], dose_mg=56)
        assert error.value.message_dict == {"programme": ["Not certified. Not enrolled."]}
        assert asked == [session.pk]
        assert not LedgerEntry.objects.filter(kind=EntryKind.ADMINISTRATION).exists()
        problems.clear()
        actions.do_prepare_dose(nurse, session.pk, vial_id=esk["kit"].pk, **esk["second_check"], dose_mg=56)
        problems.append("Withdrawn.")
        with pytest.raises(ValidationError) as error:
            actions.do_record_device(nurse, session.pk)
        assert error.value.message_dict == {"programme": ["Withdrawn."]}
        assert not TreatmentSession.objects.get(pk=session.pk).devices.exists()

    def test_devices_with_rests_and_two_hours(self, staff, patient, esk, clock, no_start_checks):
        nurse = staff["nurse"]
        session = self._ready(staff, esk)
        assert session.interacting_medicines == ["benzodiazepine"]
        actions.do_prepare_dose(nurse, session.pk, vial_id=esk["kit"].pk, **esk["second_check"], dose_mg=56)
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
