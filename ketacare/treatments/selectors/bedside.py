"""What the nurse must see at the top of the chart (issue 14): allergies, current medicines,
diagnoses, risk flags (open safety alerts, recent suicidal-ideation answers), the routes a
prescriber approved, and whether today's questionnaires were submitted (the location's day).

For a session the caller has already opened through access_session_by_id (which audits the view
of the patient's record). One query per list, seven in all, whatever the patient's history.
"""

import datetime as dt
from dataclasses import dataclass

from ketacare.candidacy.domain.findings import Route as CandidacyRoute
from ketacare.candidacy.selectors import approved_routes
from ketacare.measures.domain.instruments import Rater
from ketacare.measures.domain.library import CSSRS_SCREENER, INSTRUMENTS, PHQ9
from ketacare.measures.models import Alert, AlertStatus, AssignmentStatus, QuestionnaireAssignment
from ketacare.measures.selectors import effective_responses
from ketacare.patients.models import Allergy, AllergyStatus, Diagnosis, DiagnosisStatus, Medication, MedicationStatus
from ketacare.protocols.prerequisites import CANDIDACY_ROUTE
from ketacare.treatments.models import TreatmentSession
from ketacare.treatments.selectors.settings import settings_of

# CLINICAL.md §3: PHQ-9 item 9 ("better off dead / hurting yourself") above 0 needs same-day suicide
# follow-up; a C-SSRS screener at low risk or above is a positive screen (risk levels 1–3).
PHQ9_SUICIDE_ITEM = 9
CSSRS_POSITIVE_FROM = 1
SELF_REPORT = frozenset(code for code, instrument in INSTRUMENTS.items() if instrument.rater == Rater.PATIENT)


@dataclass(frozen=True)
class IdeationAnswer:
    """A recent answer that reported suicidal ideation."""

    instrument_name: str
    what: str  # "item 9 = 2" / "risk level moderate"
    taken_at: dt.datetime


@dataclass(frozen=True)
class QuestionnairesToday:
    """The questionnaires submitted today (the location's day) and those due but not submitted."""

    submitted: list[tuple[str, dt.datetime]]  # (name, submitted at)
    outstanding: list[str]  # names
    pending: list[QuestionnaireAssignment]  # still answerable: on the tablet in kiosk mode

    @property
    def done(self) -> bool:
        return not self.outstanding

    @property
    def note(self) -> str:
        if self.outstanding:
            return "Not yet submitted today: " + ", ".join(self.outstanding) + "."
        if self.submitted:
            return "Submitted today: " + ", ".join(name for name, _ in self.submitted) + "."
        return "None due today."


@dataclass(frozen=True)
class BedsideFacts:
    allergies: list[Allergy]
    medications: list[Medication]
    diagnoses: list[Diagnosis]
    open_alerts: list[Alert]
    ideation_answers: list[IdeationAnswer]
    ideation_days: int
    approved_routes: list[str]  # labels
    route_approved: bool  # the session's route is among them

    @property
    def has_risk(self) -> bool:
        return bool(self.open_alerts or self.ideation_answers)


def _ideation(response) -> str:
    """What in this response reports suicidal ideation ("" for nothing)."""
    if response.instrument == PHQ9.code:
        value = response.answers.get(str(PHQ9_SUICIDE_ITEM))
        return f"item {PHQ9_SUICIDE_ITEM} = {value}" if isinstance(value, int) and value > 0 else ""
    if response.instrument == CSSRS_SCREENER.code and (response.total or 0) >= CSSRS_POSITIVE_FROM:
        band = CSSRS_SCREENER.band_for(response.total)
        return f"risk level {band.label.lower() if band else response.total}"
    return ""


def bedside_facts(session: TreatmentSession, now: dt.datetime) -> BedsideFacts:
    patient = session.patient
    days = settings_of(session).risk_lookback_days
    recent = (
        effective_responses()
        .filter(
            patient=patient,
            instrument__in=(PHQ9.code, CSSRS_SCREENER.code),
            taken_at__gte=now - dt.timedelta(days=days),
        )
        .order_by("-taken_at", "-id")
    )
    ideation = [
        IdeationAnswer(INSTRUMENTS[r.instrument].name, what, r.taken_at) for r in recent if (what := _ideation(r))
    ]
    approved = approved_routes(patient)
    return BedsideFacts(
        allergies=list(Allergy.objects.filter(patient=patient, status=AllergyStatus.ACTIVE).order_by("substance")),
        medications=list(Medication.objects.filter(patient=patient, status=MedicationStatus.ACTIVE).order_by("name")),
        diagnoses=list(Diagnosis.objects.filter(patient=patient, status=DiagnosisStatus.ACTIVE).order_by("icd10_code")),
        open_alerts=list(Alert.objects.filter(patient=patient, status=AlertStatus.OPEN).order_by("raised_at", "id")),
        ideation_answers=ideation,
        ideation_days=days,
        approved_routes=[CandidacyRoute(route).label for route in sorted(approved)],
        route_approved=CANDIDACY_ROUTE.get(session.route) in approved,
    )


def questionnaires_today(session: TreatmentSession, now: dt.datetime) -> QuestionnairesToday:
    """Derived, never ticked: every questionnaire due by the end of the location's day is submitted.

    Outstanding: pending assignments due by the end of today, and today's assignments that expired
    unanswered unless the same questionnaire was submitted today another way (the tablet).
    """
    zone = session.location.zone
    start = dt.datetime.combine(now.astimezone(zone).date(), dt.time.min, tzinfo=zone)
    end = start + dt.timedelta(days=1)
    submitted = [
        (INSTRUMENTS[code].name, at, code)
        for code, at in effective_responses()
        .filter(patient=session.patient, instrument__in=SELF_REPORT, submitted_at__gte=start, submitted_at__lt=end)
        .order_by("submitted_at", "id")
        .values_list("instrument", "submitted_at")
    ]
    submitted_codes = {code for _, _, code in submitted}
    outstanding, pending = [], []
    for assignment in QuestionnaireAssignment.objects.filter(
        patient=session.patient,
        due_at__lt=end,
        status__in=(AssignmentStatus.PENDING, AssignmentStatus.EXPIRED),
    ).order_by("due_at", "id"):
        if assignment.status == AssignmentStatus.PENDING:
            outstanding.append(assignment.instrument_name)
            pending.append(assignment)
        elif assignment.due_at >= start and assignment.instrument not in submitted_codes:
            outstanding.append(assignment.instrument_name)
    return QuestionnairesToday(
        submitted=[(name, at) for name, at, _ in submitted],
        outstanding=list(dict.fromkeys(outstanding)),
        pending=pending,
    )
