"""The stored candidacy intake, the prescriber's decisions and the clinic's policy settings.

The rules themselves live in candidacy/domain/ (no Django); selectors.case_data()
turns a stored intake into the domain case, so what the pages show is exactly
what `ketacare candidacy evaluate` would say about the same case.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ketacare.candidacy.domain.case import Adherence, Hypertension, LiverDisease, Psychosis, StopReason
from ketacare.candidacy.domain.findings import Eligibility, Route, Severity
from ketacare.candidacy.domain.policy import DEFAULT_POLICY, CandidacyPolicy, PolicyError
from ketacare.clinics.models import Organisation
from ketacare.patients.models import Patient


def _choices(enum) -> list[tuple[str, str]]:
    return [(member.value, member.value.replace("_", " ").capitalize()) for member in enum]


class IntakeStatus(models.TextChoices):
    PATIENT_ENTERED = "patient_entered", "Patient-entered, to be reviewed"
    CONFIRMED = "confirmed", "Reviewed by staff"


class Intake(models.Model):
    """A patient's current candidacy intake: one per patient, changed in place.

    Every change is an audit entry naming the changed fields (the revision
    history). Flags are nullable on purpose: a question nobody answered must
    not read as "no", so evaluation refuses an intake with an unanswered flag.
    Age and sex come from the patient record, weight from the latest
    WeightMeasurement, current medicines from the active Medication rows.
    """

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="candidacy_intake")
    status = models.CharField(max_length=20, choices=IntakeStatus.choices, default=IntakeStatus.CONFIRMED)
    episode_start_date = models.DateField(null=True, blank=True)
    pregnant = models.BooleanField(null=True, blank=True)
    breastfeeding = models.BooleanField(null=True, blank=True)
    # Medical history (docs/candidacy.md, "medical history")
    aneurysmal_vascular_disease = models.BooleanField(null=True, blank=True)
    arteriovenous_malformation = models.BooleanField(null=True, blank=True)
    intracerebral_haemorrhage = models.BooleanField(null=True, blank=True)
    hypertension = models.CharField(max_length=20, blank=True, choices=_choices(Hypertension))
    hypertensive_encephalopathy = models.BooleanField(null=True, blank=True)
    cardiovascular_disease = models.BooleanField(null=True, blank=True)
    psychosis = models.CharField(max_length=20, blank=True, choices=_choices(Psychosis))
    liver_disease = models.CharField(max_length=20, blank=True, choices=_choices(LiverDisease))
    interstitial_cystitis = models.BooleanField(null=True, blank=True)
    ketamine_hypersensitivity = models.BooleanField(null=True, blank=True)
    # Lists in the domain's JSON shape, checked by the domain parser on every save:
    # [{"substance": "alcohol", "status": "past"}], [{"kind": "CBT", "sessions": 12}],
    # {"sessions": 8, "response": "partial"}, [{"drug": "ketamine", "route": "iv", "response": "none"}]
    substance_use_disorders = models.JSONField(default=list, blank=True)
    psychotherapy = models.JSONField(default=list, blank=True)
    ect = models.JSONField(null=True, blank=True)
    tms = models.JSONField(null=True, blank=True)
    prior_ketamine = models.JSONField(default=list, blank=True)
    # Baseline vitals
    systolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    diastolic_mmhg = models.PositiveSmallIntegerField(null=True, blank=True)
    heart_rate_bpm = models.PositiveSmallIntegerField(null=True, blank=True)
    spo2_percent = models.DecimalField(max_digits=4, decimal_places=1, null=True, blank=True)
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Candidacy intake of patient {self.patient_id}"

    @property
    def awaiting_review(self) -> bool:
        return self.status == IntakeStatus.PATIENT_ENTERED


class AntidepressantTrial(models.Model):
    """One oral antidepressant as taken: the daily dose reached and held, from start to stop."""

    intake = models.ForeignKey(Intake, on_delete=models.CASCADE, related_name="trials")
    drug = models.CharField(max_length=100)
    daily_dose_mg = models.DecimalField(max_digits=7, decimal_places=2)
    start_date = models.DateField()
    stop_date = models.DateField(null=True, blank=True, help_text="Leave empty while ongoing.")
    adherence = models.CharField(max_length=10, choices=_choices(Adherence))
    percent_improvement = models.DecimalField(max_digits=5, decimal_places=1)
    reason_stopped = models.CharField(max_length=20, blank=True, choices=_choices(StopReason))
    augmentation = models.BooleanField(default=False, help_text="Added to another antidepressant.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start_date", "id"]

    def __str__(self) -> str:
        return f"{self.drug} {self.daily_dose_mg:g} mg/day from {self.start_date}"


class Decision(models.TextChoices):
    APPROVE = "approve", "Approve"
    DECLINE = "decline", "Decline"


class CandidacyDecision(models.Model):
    """A prescriber's decision on one route, with the evaluation they saw (snapshot).

    Approving a route the rules found not eligible is an override and needs a reason.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="candidacy_decisions")
    route = models.CharField(max_length=30, choices=[(r.value, r.label) for r in Route])
    result = models.CharField(max_length=30, choices=_choices(Eligibility))
    snapshot = models.JSONField(help_text="The route's findings and the policy at the time of the decision.")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    override = models.BooleanField(default=False)
    reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_decision_display()} {self.route} for patient {self.patient_id}"


_SEVERITY_CHOICES = _choices(Severity)


class CandidacyPolicySetting(models.Model):
    """An organisation's candidacy policy parameters; defaults from domain/policy.py.

    The dose table is not stored here yet: every clinic uses the domain's default table.
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="candidacy_policy")
    minimum_trial_weeks = models.DecimalField(
        max_digits=4, decimal_places=1, default=DEFAULT_POLICY.minimum_trial_weeks
    )
    failure_below_improvement_percent = models.DecimalField(
        max_digits=4, decimal_places=1, default=DEFAULT_POLICY.failure_below_improvement_percent
    )
    trd_minimum_failed_trials = models.PositiveSmallIntegerField(default=DEFAULT_POLICY.trd_minimum_failed_trials)
    esketamine_trial_maximum_failed_trials = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.esketamine_trial_maximum_failed_trials
    )
    count_partial_adherence = models.BooleanField(default=DEFAULT_POLICY.count_partial_adherence)
    count_augmentation_trials = models.BooleanField(default=DEFAULT_POLICY.count_augmentation_trials)
    require_trd_for_racemic = models.BooleanField(default=DEFAULT_POLICY.require_trd_for_racemic)
    esketamine_bp_caution_systolic_mmhg = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.esketamine_bp_caution_systolic_mmhg
    )
    esketamine_bp_caution_diastolic_mmhg = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.esketamine_bp_caution_diastolic_mmhg
    )
    racemic_bp_caution_systolic_mmhg = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.racemic_bp_caution_systolic_mmhg
    )
    racemic_bp_caution_diastolic_mmhg = models.PositiveSmallIntegerField(
        default=DEFAULT_POLICY.racemic_bp_caution_diastolic_mmhg
    )
    bp_hold_systolic_mmhg = models.PositiveSmallIntegerField(default=DEFAULT_POLICY.bp_hold_systolic_mmhg)
    bp_hold_diastolic_mmhg = models.PositiveSmallIntegerField(default=DEFAULT_POLICY.bp_hold_diastolic_mmhg)
    heart_rate_caution_bpm = models.PositiveSmallIntegerField(default=DEFAULT_POLICY.heart_rate_caution_bpm)
    spo2_caution_below_percent = models.DecimalField(
        max_digits=4, decimal_places=1, default=DEFAULT_POLICY.spo2_caution_below_percent
    )
    adult_age_years = models.PositiveSmallIntegerField(default=DEFAULT_POLICY.adult_age_years)
    older_adult_age_years = models.PositiveSmallIntegerField(default=DEFAULT_POLICY.older_adult_age_years)
    racemic_current_psychosis_severity = models.CharField(
        max_length=20, choices=_SEVERITY_CHOICES, default=DEFAULT_POLICY.racemic_current_psychosis_severity.value
    )
    racemic_uncontrolled_hypertension_severity = models.CharField(
        max_length=20,
        choices=_SEVERITY_CHOICES,
        default=DEFAULT_POLICY.racemic_uncontrolled_hypertension_severity.value,
    )
    pregnancy_severity = models.CharField(
        max_length=20, choices=_SEVERITY_CHOICES, default=DEFAULT_POLICY.pregnancy_severity.value
    )
    updated_at = models.DateTimeField(auto_now=True)

    PARAMETERS = (
        "minimum_trial_weeks",
        "failure_below_improvement_percent",
        "trd_minimum_failed_trials",
        "esketamine_trial_maximum_failed_trials",
        "count_partial_adherence",
        "count_augmentation_trials",
        "require_trd_for_racemic",
        "esketamine_bp_caution_systolic_mmhg",
        "esketamine_bp_caution_diastolic_mmhg",
        "racemic_bp_caution_systolic_mmhg",
        "racemic_bp_caution_diastolic_mmhg",
        "bp_hold_systolic_mmhg",
        "bp_hold_diastolic_mmhg",
        "heart_rate_caution_bpm",
        "spo2_caution_below_percent",
        "adult_age_years",
        "older_adult_age_years",
        "racemic_current_psychosis_severity",
        "racemic_uncontrolled_hypertension_severity",
        "pregnancy_severity",
    )
    _FLOATS = frozenset({"minimum_trial_weeks", "failure_below_improvement_percent", "spo2_caution_below_percent"})
    _SEVERITIES = frozenset(
        {
            "racemic_current_psychosis_severity",
            "racemic_uncontrolled_hypertension_severity",
            "pregnancy_severity",
        }
    )

    def __str__(self) -> str:
        return f"Candidacy policy of {self.organisation_id}"

    def to_policy(self) -> CandidacyPolicy:
        """The domain policy; raises PolicyError naming the parameter if the values do not fit together."""
        values = {}
        for name in self.PARAMETERS:
            value = getattr(self, name)
            if name in self._FLOATS:
                value = float(value)
            elif name in self._SEVERITIES:
                value = Severity(value)
            values[name] = value
        return CandidacyPolicy(**values)

    def clean(self) -> None:
        try:
            self.to_policy()
        except PolicyError as exc:
            name, _, message = str(exc).partition(": ")
            raise ValidationError({name if name in self.PARAMETERS else "__all__": message or str(exc)}) from None
        except (TypeError, ValueError):
            pass  # a field's own validation reports a value of the wrong type
