from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ketacare.accounts.domain.roles import Role
from ketacare.consultations import actions

# Every section a prescriber must write before signing, with text a PDF or page must print literally.
SIGNABLE = {
    "history_of_present_illness": "Two years of depression <b>not</b> lifting & worse in winter",
    "psychiatric_history": "MDD, recurrent; sertraline and bupropion trials",
    "medical_history": "Controlled hypertension",
    "mental_status_exam": "Alert, oriented; mood low, affect congruent; no psychosis",
    "risk_assessment": "Passive ideation, no plan or intent; safety plan reviewed",
    "assessment_and_plan": "TRD; IV ketamine 0.5 mg/kg, six sessions over three weeks",
    "consent_discussion": "Off-label use, dissociation, blood pressure rise, no driving until next day",
}

# C-SSRS screener answers (item number -> value): Q1 wish to be dead only = low risk (measures' scorer).
CSSRS_LOW_RISK = {1: 1, 2: 0, 3: None, 4: None, 5: None, 6: 0, 7: None}
CSSRS_MODERATE_RISK = {1: 1, 2: 1, 3: 1, 4: 0, 5: 0, 6: 0, 7: None}


def chart_today(patient) -> str:
    """Today in the zone the chart shows the patient's times in (their home location's, else the server's):
    not `patient.today()`, which without a home location is the latest date anywhere (UTC+14)."""
    return timezone.localdate(timezone=ZoneInfo(patient.zone_name)).isoformat()


def phq9(item9: int) -> dict:
    return dict.fromkeys(range(1, 9), 1) | {9: item9}


@pytest.fixture
def other_prescriber(org, make_user):
    return make_user(org, Role.PRESCRIBER, "prescriber2_harbor")


@pytest.fixture
def draft(patient, staff):
    return actions.do_create_consultation_note(staff["prescriber"], patient.pk, **SIGNABLE)


@pytest.fixture
def signed(draft, staff):
    return actions.do_sign_consultation_note(staff["prescriber"], draft.pk)
