"""How the demo's past patients feel over their year: PHQ-9 and GAD-7 totals by day, and the item
answers that add up to them.

A course's total falls from the baseline towards a floor with a time constant of about a week
(most of the effect of a ketamine induction shows in its first two weeks), plus a little noise;
a relapse climbs back in maintenance. Every draw comes from a generator seeded with the patient,
the instrument and the day, so a score does not depend on how many other draws came before it
(nor on the weekday a session fell on): the same demo every run.
"""

import math
import random
from dataclasses import dataclass
from enum import StrEnum

from ketacare.site.demo.organisation_and_staff import DEMO_SEED


class Course(StrEnum):
    """How the patient responds. Response is a ≥50% fall of the PHQ-9, remission a total under 5
    (CLINICAL.md §3); a partial response falls by 25–50%."""

    REMITTER = "remitter"
    RESPONDER = "responder"
    PARTIAL = "partial"
    NON_RESPONDER = "non_responder"
    RELAPSE = "relapse"  # responds, then climbs back in maintenance


# The share of the baseline left once the induction has worked fully.
FLOOR = {
    Course.REMITTER: 0.1,
    Course.RESPONDER: 0.36,
    Course.PARTIAL: 0.62,
    Course.NON_RESPONDER: 0.92,
    Course.RELAPSE: 0.3,
}
EFFECT_DAYS = 6.0
# The relapse patient starts to slip this many days after the first treatment, back to baseline
# over RELAPSE_DAYS.
RELAPSE_AFTER_DAYS = 100
RELAPSE_DAYS = 90
PHQ9_ITEMS, PHQ9_SUICIDE_ITEM, GAD7_ITEMS = 9, 9, 7
CADSS_ITEMS = 23


@dataclass(frozen=True)
class Trajectory:
    patient_key: int
    course: Course
    phq9_baseline: int
    gad7_baseline: int

    def _rng(self, instrument: str, day: int) -> random.Random:
        return random.Random(f"{DEMO_SEED}:{self.patient_key}:{instrument}:{day}")

    def _total(self, baseline: int, instrument: str, day: int, ceiling: int) -> int:
        """The total `day` days after the first treatment (negative: before it)."""
        rng = self._rng(instrument, day)
        level = float(baseline)
        if day > 0:
            effect = 1 - math.exp(-day / EFFECT_DAYS)
            level = baseline * (1 - (1 - FLOOR[self.course]) * effect)
            if self.course == Course.RELAPSE and day > RELAPSE_AFTER_DAYS:
                slipped = min(1.0, (day - RELAPSE_AFTER_DAYS) / RELAPSE_DAYS)
                level += (baseline - level) * slipped * 0.85
        return max(0, min(ceiling, round(level + rng.gauss(0, 1.1))))

    def phq9(self, day: int, *, suicidal_thoughts: bool = False) -> dict[int, int]:
        """PHQ-9 answers {item: 0–3}; item 9 (thoughts of being better off dead) is 0 unless asked
        for, when it is 1 ("several days") and raises the clinic's safety alert."""
        total = self._total(self.phq9_baseline, "phq9", day, ceiling=3 * (PHQ9_ITEMS - 1))
        answers = _spread(total, PHQ9_ITEMS - 1, 3, self._rng("phq9-items", day))
        answers[PHQ9_SUICIDE_ITEM] = 1 if suicidal_thoughts else 0
        return answers

    def gad7(self, day: int) -> dict[int, int]:
        total = self._total(self.gad7_baseline, "gad7", day, ceiling=3 * GAD7_ITEMS)
        return _spread(total, GAD7_ITEMS, 3, self._rng("gad7-items", day))

    def cadss(self, day: int, session_number: int) -> dict[int, int]:
        """Dissociation at the peak of a session: more at the first sessions, less as they go on."""
        rng = self._rng("cadss", day)
        total = max(0, round(rng.uniform(6, 22) * (0.6 if session_number > 3 else 1.0)))
        return _spread(total, CADSS_ITEMS, 4, rng)

    def moaas(self, day: int) -> dict[int, int]:
        """MOAA/S 5 (responds readily to name) or, now and then, 4 (lethargic response)."""
        return {1: 4 if self._rng("moaas", day).random() < 0.25 else 5}


def _spread(total: int, items: int, most: int, rng: random.Random) -> dict[int, int]:
    """Item answers {1..items: 0..most} adding up to `total` (capped at what the items can hold)."""
    answers = dict.fromkeys(range(1, items + 1), 0)
    for _ in range(min(total, items * most)):
        item = rng.choice([number for number, value in answers.items() if value < most])
        answers[item] += 1
    return answers
