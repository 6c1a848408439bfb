"""Protocol templates (versioned clinic policy) and treatment plans built from them."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from ketacare.protocols.domain.course import CourseError, InductionSchedule
from ketacare.protocols.domain.dosing import (
    DEFAULT_MAX_WEIGHT_AGE_DAYS,
    DEFAULT_ROUNDING_MG,
    DEFAULT_VOLUME_ROUNDING_ML,
    DoseLimits,
    DosePolicy,
    DosingError,
)
from ketacare.protocols.domain.plan_status import PlanStatus
from ketacare.protocols.domain.template_limits import fixed_schedule_doses_mg, template_dose_problems

_POSITIVE = [MinValueValidator(Decimal("0.001"))]


class Route(models.TextChoices):
    IV = "iv", "Intravenous infusion"
    IM = "im", "Intramuscular"
    SUBLINGUAL = "sublingual", "Sublingual"
    INTRANASAL_ESKETAMINE = "intranasal_esketamine", "Intranasal esketamine (Spravato)"


class Drug(models.TextChoices):
    KETAMINE_RACEMIC = "ketamine_racemic", "Ketamine (racemic)"
    ESKETAMINE = "esketamine", "Esketamine"


def _dose(**kwargs) -> models.DecimalField:
    return models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True, validators=_POSITIVE, **kwargs)


class ProtocolTemplate(models.Model):
    """One version of a protocol. Rows are never edited once saved: editing makes version + 1.

    organisation None = a built-in default shipped with KetaCare (sources in `source`); a clinic's
    edit of a built-in is a row of its own. Blank dose fields mean the clinic must set them
    before the template can be used.
    """

    organisation = models.ForeignKey(
        "clinics.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="protocol_templates"
    )
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=200)
    version = models.PositiveIntegerField(default=1)
    route = models.CharField(max_length=30, choices=Route.choices)
    drug = models.CharField(max_length=30, choices=Drug.choices)
    # Weight-based dosing (IV, IM, sublingual); fixed schedules (esketamine) use fixed_dose_schedule.
    dose_mg_per_kg = _dose()
    fixed_dose_schedule = models.JSONField(default=list, blank=True)
    min_dose_mg_per_kg = _dose()
    max_dose_mg_per_kg = _dose(help_text="Above this the dose is blocked unless a prescriber overrides it.")
    hard_cap_dose_mg_per_kg = _dose(help_text="Above this the dose is refused; no override.")
    min_dose_mg_per_session = _dose()
    max_dose_mg_per_session = _dose(help_text="Above this the dose is blocked unless a prescriber overrides it.")
    titration_steps_mg_per_kg = models.JSONField(default=list, blank=True)
    concentration_mg_per_ml = _dose()
    rounding_mg = models.DecimalField(max_digits=6, decimal_places=3, default=DEFAULT_ROUNDING_MG, validators=_POSITIVE)
    volume_rounding_ml = models.DecimalField(
        max_digits=5, decimal_places=3, default=DEFAULT_VOLUME_ROUNDING_ML, validators=_POSITIVE
    )
    max_weight_age_days = models.PositiveIntegerField(default=DEFAULT_MAX_WEIGHT_AGE_DAYS)
    infusion_min = models.PositiveIntegerField(null=True, blank=True, validators=[MaxValueValidator(1440)])
    induction_session_count = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(60)])
    induction_window_days = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(365)])
    sessions_per_week_min = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)])
    sessions_per_week_max = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(7)])
    min_days_between = models.PositiveIntegerField(default=1, validators=[MinValueValidator(1)])
    maintenance_description = models.TextField(blank=True)
    session_length_min = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(1440)])
    vital_check_times_min = models.JSONField(default=list, blank=True)
    bp_delay_systolic_mmhg = models.PositiveIntegerField(null=True, blank=True)
    bp_delay_diastolic_mmhg = models.PositiveIntegerField(null=True, blank=True)
    bp_stop_systolic_mmhg = models.PositiveIntegerField(null=True, blank=True)
    bp_stop_diastolic_mmhg = models.PositiveIntegerField(null=True, blank=True)
    preparation_instructions = models.TextField(blank=True)
    questionnaires_due = models.JSONField(default=list, blank=True)
    source = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "code", "version"],
                condition=Q(organisation__isnull=False),
                name="protocol_template_org_code_version",
            ),
            models.UniqueConstraint(
                fields=["code", "version"],
                condition=Q(organisation__isnull=True),
                name="protocol_template_builtin_code_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} (v{self.version})"

    @property
    def is_builtin(self) -> bool:
        return self.organisation_id is None

    @property
    def is_weight_based(self) -> bool:
        return self.route != Route.INTRANASAL_ESKETAMINE

    def limits(self) -> DoseLimits:
        return DoseLimits(
            min_dose_mg_per_kg=self.min_dose_mg_per_kg,
            max_dose_mg_per_kg=self.max_dose_mg_per_kg,
            hard_cap_dose_mg_per_kg=self.hard_cap_dose_mg_per_kg,
            max_dose_mg_per_session=self.max_dose_mg_per_session,
        )

    def policy(self) -> DosePolicy:
        return DosePolicy(
            max_weight_age_days=self.max_weight_age_days,
            rounding_mg=self.rounding_mg,
            volume_rounding_ml=self.volume_rounding_ml,
        )

    def induction_schedule(self) -> InductionSchedule:
        return InductionSchedule(
            session_count=self.induction_session_count,
            window_days=self.induction_window_days,
            sessions_per_week_min=self.sessions_per_week_min,
            sessions_per_week_max=self.sessions_per_week_max,
            min_days_between=self.min_days_between,
        )

    def clean(self):
        errors = {}
        if self.drug == Drug.ESKETAMINE and self.route != Route.INTRANASAL_ESKETAMINE:
            errors["route"] = "Esketamine templates use the intranasal esketamine route."
        if self.route == Route.IV and self.infusion_min is None:
            errors["infusion_min"] = "An IV protocol needs an infusion time in minutes."
        for name in ("vital_check_times_min", "titration_steps_mg_per_kg", "questionnaires_due", "fixed_dose_schedule"):
            if not isinstance(getattr(self, name), list):
                errors[name] = "Must be a list."
        if isinstance(self.vital_check_times_min, list) and not all(
            isinstance(t, int) and not isinstance(t, bool) and 0 <= t <= 1440 for t in self.vital_check_times_min
        ):
            errors["vital_check_times_min"] = "Must be a list of whole minutes from 0 to 1440."
        if errors:
            raise ValidationError(errors)
        try:
            self.limits()
            self.policy()
            if None not in (
                self.sessions_per_week_min,
                self.sessions_per_week_max,
                self.induction_session_count,
                self.induction_window_days,
                self.min_days_between,
            ):
                self.induction_schedule()
        except (DosingError, CourseError) as error:
            raise ValidationError({error.field: error.problem}) from None
        problems = template_dose_problems(
            weight_based=self.is_weight_based,
            dose_mg_per_kg=self.dose_mg_per_kg,
            min_dose_mg_per_kg=self.min_dose_mg_per_kg,
            max_dose_mg_per_kg=self.max_dose_mg_per_kg,
            hard_cap_dose_mg_per_kg=self.hard_cap_dose_mg_per_kg,
            min_dose_mg_per_session=self.min_dose_mg_per_session,
            max_dose_mg_per_session=self.max_dose_mg_per_session,
            titration_steps_mg_per_kg=self._titration_steps(),
            fixed_doses_mg=fixed_schedule_doses_mg(self.fixed_dose_schedule),
        )
        if problems:
            raise ValidationError(problems)

    def _titration_steps(self) -> list[Decimal]:
        steps = []
        for step in self.titration_steps_mg_per_kg:
            try:
                steps.append(Decimal(str(step)))
            except ArithmeticError:
                raise ValidationError({"titration_steps_mg_per_kg": f"{step!r} is not a dose in mg/kg."}) from None
        return steps

    def missing_for_use(self) -> list[str]:
        """Fields the clinic must fill in before a plan can use this template."""
        if self.is_weight_based:
            return [name for name in ("dose_mg_per_kg", "max_dose_mg_per_kg") if getattr(self, name) is None]
        return [] if self.fixed_dose_schedule else ["fixed_dose_schedule"]


class TreatmentPlan(models.Model):
    """A patient's planned course, made from one template version (kept even after the template is edited)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="treatment_plans")
    template = models.ForeignKey(ProtocolTemplate, on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(max_length=20, choices=PlanStatus.choices(), default=PlanStatus.PROPOSED)
    start_date = models.DateField()
    dose_mg_per_kg = _dose()
    # A prescriber's override of a blocked dose; blank when none was needed.
    dose_override_reason = models.TextField(blank=True)
    dose_overridden_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    dose_overridden_at = models.DateTimeField(null=True, blank=True)
    # A prescriber started the plan despite missing prerequisites (prerequisites.py), where the clinic
    # allows it: what was missing and why; blank when nothing was.
    prerequisites_overridden = models.JSONField(default=dict, blank=True)
    prerequisites_override_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-start_date", "-id"]

    def __str__(self) -> str:
        return f"{self.template.name} from {self.start_date}"


class PlannedSession(models.Model):
    """One session of the induction course and the dates it may fall on."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="sessions")
    sequence = models.PositiveIntegerField()
    window_start = models.DateField()
    window_end = models.DateField()
    # When the session took place (set by scheduling when its appointment is completed at discharge):
    # the maintenance decision waits until every induction session has (issue 14.2).
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["sequence"]
        constraints = [models.UniqueConstraint(fields=["plan", "sequence"], name="planned_session_plan_sequence")]


class AdjunctKind(models.TextChoices):
    INTEGRATION_THERAPY = "integration_therapy", "Integration therapy"
    PSYCHOTHERAPY = "psychotherapy", "Psychotherapy"
    NUTRITION = "nutrition", "Nutrition"
    FUNCTIONAL_MEDICINE = "functional_medicine", "Functional medicine"
    REFERRAL = "referral", "Referral"
    OTHER = "other", "Other"


class AdjunctStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    ACTIVE = "active", "Active"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class AdjunctCareItem(models.Model):
    """Care alongside the ketamine course (integration therapy, referrals, ...)."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="adjuncts")
    kind = models.CharField(max_length=30, choices=AdjunctKind.choices)
    description = models.CharField(max_length=500)
    status = models.CharField(max_length=20, choices=AdjunctStatus.choices, default=AdjunctStatus.PLANNED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class PlanRevision(models.Model):
    """Who changed a plan, when and why, with the plan as it was after the change."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="revisions")
    revision_number = models.PositiveIntegerField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    snapshot = models.JSONField(default=dict)

    class Meta:
        ordering = ["-revision_number"]
        constraints = [models.UniqueConstraint(fields=["plan", "revision_number"], name="plan_revision_plan_number")]


class MaintenanceDecisionChoice(models.TextChoices):
    CONTINUE = "continue", "Continue to maintenance"
    EXTEND = "extend", "Extend the induction"
    STOP = "stop", "Stop"


class MaintenanceDecision(models.Model):
    """A prescriber's end-of-induction decision, with the proposal (reasons and numbers) it was made against."""

    plan = models.ForeignKey(TreatmentPlan, on_delete=models.CASCADE, related_name="maintenance_decisions")
    proposal = models.JSONField(default=dict)
    decision = models.CharField(max_length=20, choices=MaintenanceDecisionChoice.choices)
    interval_weeks = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(52)]
    )
    note = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_at", "-id"]


class ProtocolSettings(models.Model):
    """Per-organisation treatment-plan policy. A clinic without a row uses the field defaults."""

    organisation = models.OneToOneField(
        "clinics.Organisation", on_delete=models.CASCADE, related_name="protocol_settings"
    )
    # Issue 14.2: off by default, so a plan needs an approved candidacy decision for its route and
    # today's weight; a clinic may let a prescriber override that, with a reason (audited).
    prescriber_may_override_plan_prerequisites = models.BooleanField(
        default=False,
        help_text="A prescriber may create or start a plan with a missing prerequisite, giving a reason.",
    )

    class Meta:
        verbose_name_plural = "protocol settings"

    def __str__(self) -> str:
        return f"Protocol settings of {self.organisation_id}"

    @classmethod
    def for_organisation_id(cls, organisation_id: int) -> "ProtocolSettings":
        return cls.objects.filter(organisation_id=organisation_id).first() or cls(organisation_id=organisation_id)
