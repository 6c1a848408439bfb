"""Pure rules: hold, vitals schedule, device rests, discharge criteria, checklist, status flow."""

from datetime import UTC, datetime, timedelta

import pytest

from ketacare.treatments.domain.checklist import missing_items, required_items
from ketacare.treatments.domain.devices import DeviceError, check_next_device, devices_for_dose, next_device_at
from ketacare.treatments.domain.discharge import LastVitals, VitalRange, missing_criteria
from ketacare.treatments.domain.hold import Thresholds, hold_reasons, stop_reasons
from ketacare.treatments.domain.status import can_move
from ketacare.treatments.domain.vitals_schedule import CheckState, check_for_reading, check_states

LABEL = Thresholds(delay_systolic_mmhg=140, delay_diastolic_mmhg=90, stop_systolic_mmhg=180, stop_diastolic_mmhg=110)


class TestHold:
    def test_at_the_label_guide_140_90_is_not_held(self):
        # CLINICAL.md §2: "as a general guide: >140/90" — strictly above holds.
        assert hold_reasons(140, 90, LABEL) == []

    def test_systolic_or_diastolic_above_holds_naming_each(self):
        assert len(hold_reasons(141, 80, LABEL)) == 1
        assert len(hold_reasons(120, 91, LABEL)) == 1
        reasons = hold_reasons(150, 95, LABEL)
        assert "150" in reasons[0] and "95" in reasons[1]

    def test_no_thresholds_never_hold(self):
        assert hold_reasons(220, 130, Thresholds()) == []

    def test_stop_level(self):
        assert stop_reasons(181, 100, LABEL) and not stop_reasons(180, 110, LABEL)


class TestVitalsSchedule:
    SCHEDULE = [0, 15, 30, 40, 60]

    def test_on_time_late_missed_due_upcoming(self):
        states = check_states(self.SCHEDULE, [0, 22, 41], now_minute=47, tolerance_min=5)
        assert [s.state for s in states] == [
            CheckState.DONE,  # 0 at 0
            CheckState.LATE,  # 15 answered at 22 (7 min late, before the 30-check window opens at 25)
            CheckState.MISSED,  # 30: nothing in its window, and the 40-check window opened
            CheckState.DONE,  # 40 at 41
            CheckState.UPCOMING,  # 60: not yet
        ]
        assert states[1].minutes_late == 7

    def test_last_check_overdue_is_due_not_missed(self):
        states = check_states([0, 40], [0], now_minute=60, tolerance_min=5)
        assert states[1].state == CheckState.DUE

    def test_within_tolerance_early_counts(self):
        assert check_states([40], [36], now_minute=50, tolerance_min=5)[0].state == CheckState.DONE

    def test_no_clock_everything_upcoming(self):
        assert {s.state for s in check_states([0, 40], [], now_minute=None, tolerance_min=5)} == {CheckState.UPCOMING}

    def test_reading_matches_next_open_check(self):
        assert check_for_reading([0, 15, 30], set(), 1, tolerance_min=5) == 0
        assert check_for_reading([0, 15, 30], {0}, 21, tolerance_min=5) == 15  # late but answerable
        assert check_for_reading([0, 15, 30], {0}, 27, tolerance_min=5) == 30  # 15 is missed
        assert check_for_reading([0, 15, 30], {0, 15, 30}, 50, tolerance_min=5) is None

    def test_negative_tolerance_refused(self):
        with pytest.raises(ValueError):
            check_states([0], [], now_minute=0, tolerance_min=-1)


class TestDevices:
    T0 = datetime(2026, 1, 5, 15, 0, tzinfo=UTC)

    def test_devices_for_label_doses(self):
        # CLINICAL.md §2: 28 mg per device; 56 mg = 2, 84 mg = 3.
        assert devices_for_dose(56) == 2 and devices_for_dose(84) == 3
        with pytest.raises(DeviceError):
            devices_for_dose(50)

    def test_five_minute_rest_between_devices(self):
        assert next_device_at([self.T0]) == self.T0 + timedelta(minutes=5)
        with pytest.raises(DeviceError, match="4:00"):
            check_next_device([self.T0], 2, self.T0 + timedelta(minutes=1))
        check_next_device([self.T0], 2, self.T0 + timedelta(minutes=5))

    def test_no_device_beyond_the_dose(self):
        with pytest.raises(DeviceError, match="All 2"):
            check_next_device([self.T0, self.T0 + timedelta(minutes=5)], 2, self.T0 + timedelta(minutes=30))


class TestDischarge:
    RANGE = VitalRange(140, 90, 110, 94)
    GOOD = LastVitals(130, 80, 80, 98)

    def _missing(self, **changes):
        values = dict(
            last_vitals=self.GOOD,
            allowed=self.RANGE,
            alert=True,
            walking_steadily=True,
            accompanied_home=True,
            observed_minutes=125,
            min_observation_min=120,
            observed_from="the first device",
        )
        values.update(changes)
        return missing_criteria(**values)

    def test_all_met(self):
        assert self._missing() == {}

    def test_esketamine_two_hours(self):
        assert set(self._missing(observed_minutes=119)) == {"observation"}
        assert (
            "119 of 120 minutes observed since the first device" in self._missing(observed_minutes=119.9)["observation"]
        )

    def test_each_criterion_named(self):
        missing = self._missing(
            last_vitals=LastVitals(150, 80, 80, 92),
            alert=False,
            walking_steadily=False,
            accompanied_home=False,
            observed_minutes=None,
        )
        assert set(missing) == {"vitals", "alert", "walking_steadily", "accompanied_home", "observation"}
        assert "systolic 150" in missing["vitals"] and "SpO2 92%" in missing["vitals"]

    def test_no_vitals_after_the_end_of_administration(self):
        assert "after the end of administration" in self._missing(last_vitals=None)["vitals"]

    def test_observation_not_yet_begun_names_its_start(self):
        missing = self._missing(observed_minutes=None, observed_from="the end of administration")
        assert "counted from the end of administration" in missing["observation"]


def test_checklist_items():
    assert "weight" in required_items(weight_based=True, pregnancy_test_required=False)
    assert "weight" not in required_items(weight_based=False, pregnancy_test_required=False)
    assert "pregnancy_test" in required_items(weight_based=False, pregnancy_test_required=True)
    assert missing_items(("identity", "fasting"), ["fasting"]) == ["identity"]


def test_status_flow():
    assert can_move("checked_in", "held") and can_move("held", "prechecks_done")
    assert not can_move("held", "dosing") and not can_move("signed", "discharged")
    assert not can_move("administering", "cancelled")
