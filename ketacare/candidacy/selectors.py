"""Access-checked reads of candidacy data, and the stored intake as the domain's case.

Staff need CANDIDACY_VIEW and see their own organisation's patients; a patient
sees only their own intake (portal). Everything else is a 404. Chart reads are
audited as views.
"""

import dataclasses
import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.candidacy.domain.case import CaseError, Sex
from ketacare.candidacy.domain.drugs import MEDICINE_CLASSES, DrugClass, normalize_drug_name
from ketacare.candidacy.domain.evaluate import CandidacyResult, evaluate_case
from ketacare.candidacy.domain.parse import parse_case
from ketacare.candidacy.domain.policy import DEFAULT_POLICY, CandidacyPolicy
from ketacare.candidacy.domain.report import result_as_dict
from ketacare.candidacy.models import CandidacyDecision, CandidacyPolicySetting, Decision, Intake
from ketacare.lib.fixed_reads import FixedRead
from ketacare.patients.models import Medication, MedicationStatus, Patient
from ketacare.patients.selectors import access_patient_by_id

# Patient.sex_at_birth -> the domain's sex; blank is "unknown".
_SEX = {"female": Sex.FEMALE, "male": Sex.MALE, "intersex": Sex.OTHER, "unknown": Sex.UNKNOWN, "": Sex.UNKNOWN}
MEDICAL_HISTORY_FIELDS = (
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_haemorrhage",
    "hypertension",
    "hypertensive_encephalopathy",
    "cardiovascular_disease",
    "psychosis",
    "substance_use_disorders",
    "liver_disease",
    "interstitial_cystitis",
    "ketamine_hypersensitivity",
)


def _number(value: Decimal | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def medicine_class(name: str) -> DrugClass:
    """The interaction class of a chart medication ("Lorazepam 1 mg" is lorazepam); unknown names are `other`."""
    normalized = normalize_drug_name(name)
    first_word = normalized.split(" ")[0] if normalized else ""
    return MEDICINE_CLASSES.get(normalized) or MEDICINE_CLASSES.get(first_word) or DrugClass.OTHER


def case_data(intake: Intake, patient: Patient, weight_kg: Decimal | None, medications: list[Medication]) -> dict:
    """The intake as the domain's JSON case (docs/candidacy.md); unanswered questions stay null."""
    data = {
        "patient": {
            "date_of_birth": patient.date_of_birth.isoformat(),
            "sex": _SEX.get(patient.sex_at_birth, Sex.UNKNOWN).value,
            "pregnant": intake.pregnant,
            "breastfeeding": intake.breastfeeding,
            "weight_kg": _number(weight_kg),
        },
        "episode_start_date": intake.episode_start_date.isoformat() if intake.episode_start_date else None,
        "trials": [
            {
                "drug": trial.drug,
                "daily_dose_mg": _number(trial.daily_dose_mg),
                "start_date": trial.start_date.isoformat(),
                "stop_date": trial.stop_date.isoformat() if trial.stop_date else None,
                "adherence": trial.adherence,
                "improvement_percent": _number(trial.percent_improvement),
                "stop_reason": trial.reason_stopped or None,
                "augmentation": trial.augmentation,
            }
            for trial in intake.trials.all()
        ],
        # A blank choice is an unanswered question: null, which the parser refuses by name.
        "medical_history": {
            name: None if getattr(intake, name) == "" else getattr(intake, name) for name in MEDICAL_HISTORY_FIELDS
        },
        "current_medications": [{"name": m.name, "class": medicine_class(m.name).value} for m in medications],
        "psychotherapy": intake.psychotherapy,
        "ect": intake.ect,
        "tms": intake.tms,
        "prior_ketamine": intake.prior_ketamine,
    }
    if intake.systolic_mmhg is not None or intake.diastolic_mmhg is not None:
        data["baseline_vitals"] = {
            "systolic_mmhg": intake.systolic_mmhg,
            "diastolic_mmhg": intake.diastolic_mmhg,
            "heart_rate_bpm": intake.heart_rate_bpm,
            "spo2_percent": _number(intake.spo2_percent),
        }
    return data


def policy_for_organisation(organisation_id: int) -> CandidacyPolicy:
    """The organisation's policy, or the defaults when it has not set one."""
    setting = CandidacyPolicySetting.objects.filter(organisation_id=organisation_id).first()
    return setting.to_policy() if setting else DEFAULT_POLICY


def policy_as_dict(policy: CandidacyPolicy) -> dict:
    values = {field.name: getattr(policy, field.name) for field in dataclasses.fields(policy)}
    values["minimum_daily_dose_mg"] = dict(policy.minimum_daily_dose_mg)
    return {name: getattr(value, "value", value) for name, value in values.items()}


@dataclass(frozen=True)
class Candidacy:
    """A patient's intake, its evaluation (or why it cannot be evaluated yet) and the decisions."""

    patient: Patient
    intake: Intake | None
    weight_kg: Decimal | None
    medications: list[Medication]
    policy: CandidacyPolicy
    case: dict | None
    result: CandidacyResult | None
    problem: str  # why the intake cannot be evaluated; "" when it can
    decisions: list[CandidacyDecision]

    @property
    def result_dict(self) -> dict | None:
        return result_as_dict(self.result) if self.result else None


def _load(patient: Patient, today: dt.date | None = None) -> Candidacy:
    intake = (
        Intake.objects.filter(patient=patient)
        .select_related("entered_by", "reviewed_by")
        .prefetch_related("trials")
        .first()
    )
    weight = patient.weights.order_by("-measured_on", "-recorded_at").first()
    weight_kg = weight.weight_kg if weight else None
    medications = list(patient.medications.filter(status=MedicationStatus.ACTIVE).order_by("name", "id"))
    policy = policy_for_organisation(patient.organisation_id)
    case, result, problem = None, None, "No candidacy intake has been entered yet."
    if intake is not None:
        case = case_data(intake, patient, weight_kg, medications)
        try:
            result = evaluate_case(parse_case(case, today or patient.today()), policy)
            problem = ""
        except CaseError as exc:
            problem = str(exc)
    decisions = list(patient.candidacy_decisions.select_related("decided_by"))
    return Candidacy(patient, intake, weight_kg, medications, policy, case, result, problem, decisions)


def evaluate_patient(patient: Patient) -> Candidacy:
    """The current evaluation for an action (not audited: the caller has checked access)."""
    return _load(patient)


def access_candidacy_by_patient_id(user, patient_id: int) -> Candidacy:
    """Intake, evaluation and decisions for staff with CANDIDACY_VIEW (audited as a view); 404 if not visible."""
    require_permission(user, Permission.CANDIDACY_VIEW)
    patient = access_patient_by_id(user, patient_id, audit=False)
    candidacy = _load(patient)
    record_event(
        user,
        AuditAction.VIEW,
        candidacy.intake or patient,
        patient=patient,
        detail={"page": "candidacy"},
    )
    return candidacy


def access_own_intake(user) -> tuple[Patient, Intake | None]:
    """A signed-in patient's own record and intake, for the portal (audited as a view)."""
    require_permission(user, Permission.OWN_RECORD_VIEW)
    patient = Patient.objects.select_related("organisation", "home_location").filter(user=user).first()
    if patient is None:
        raise Http404("No patient record")
    intake = Intake.objects.filter(patient=patient).first()
    record_event(user, AuditAction.VIEW, intake or patient, patient=patient, detail={"page": "candidacy intake"})
    return patient, intake


def access_policy_setting(user) -> CandidacyPolicySetting:
    """The user's organisation's policy setting (unsaved defaults if none yet); clinic admins only."""
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    setting = CandidacyPolicySetting.objects.filter(organisation_id=user.organisation_id).first()
    return setting or CandidacyPolicySetting(organisation_id=user.organisation_id)


# Asked on every chart (the consents section) and by every plan and session check: its SQL is built once per
# connection (lib/fixed_reads.py, issue 19).
_DECISIONS_IN_ORDER = FixedRead(
    CandidacyDecision,
    lambda patient_id: (
        CandidacyDecision.objects.filter(patient_id=patient_id)
        .order_by("decided_at", "id")
        .values_list("route", "decision")
    ),
    patient_id=int,
)


def approved_routes(patient: Patient) -> frozenset[str]:
    """The routes whose latest decision for the patient is an approval (a later decline withdraws it).

    For actions that have already checked access to the patient (protocols' plan prerequisites).
    """
    latest: dict[str, str] = {}
    for route, decision in _DECISIONS_IN_ORDER.rows(patient_id=patient.pk):
        latest[route] = decision
    return frozenset(route for route, decision in latest.items() if decision == Decision.APPROVE)
