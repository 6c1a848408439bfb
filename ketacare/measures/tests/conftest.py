import datetime as dt

import pytest
from django.utils import timezone

from ketacare.measures import actions

PHQ9_SAFE = [1, 1, 1, 1, 1, 1, 1, 1, 0]
PHQ9_ITEM9 = [1, 1, 1, 1, 1, 1, 1, 1, 2]


def as_answers(values) -> dict[str, int | None]:
    return {str(number): value for number, value in enumerate(values, start=1)}


@pytest.fixture
def assign(staff):
    """assign(patient, instrument="phq9") -> AssignmentOutcome (assigned by the nurse, link emailed)."""

    def make(patient, instrument="phq9", **kwargs):
        return actions.do_assign_questionnaire(
            staff["nurse"],
            patient,
            instrument,
            timezone.now() + dt.timedelta(days=1),
            "before_session",
            link_base_url="https://clinic.example/",
            **kwargs,
        )

    return make
