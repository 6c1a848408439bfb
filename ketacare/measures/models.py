"""Questionnaires patients answer, the responses, the safety alerts they raise (their mail goes through ketacare/outbox).

Scoring itself is pure Python in measures/domain/; these models only store what the domain
scorer computed. A submitted response never changes: a correction is a new response that
`amends` the first one.
"""

import datetime as dt
import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

from ketacare.clinics.models import Organisation
from ketacare.measures.domain.instruments import Rater
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.patients.models import Patient

INSTRUMENT_CHOICES = [(code, instrument.name) for code, instrument in INSTRUMENTS.items()]
# Only self-report instruments are sent to patients; clinician ratings are entered by staff.
PATIENT_INSTRUMENT_CHOICES = [
    (code, instrument.name) for code, instrument in INSTRUMENTS.items() if instrument.rater == Rater.PATIENT
]
# Score flags that need a clinician the same day (CLINICAL.md §3: PHQ-9 item 9 > 0 → suicide
# follow-up; C-SSRS screener moderate/high risk).
SAFETY_FLAGS = ("suicidal_ideation", "cssrs_moderate_risk", "cssrs_high_risk")


def hash_link_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class MeasurementSettings(models.Model):
    """Per-organisation settings for questionnaires and safety alerts (defaults from CLINICAL.md §3).

    A clinic without a row uses the field defaults (`for_organisation` returns an unsaved row).
    """

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="measurement_settings")
    link_valid_hours = models.PositiveSmallIntegerField(
        default=72,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 30)],
        help_text="How long an emailed questionnaire link works",
    )
    alert_escalation_minutes = models.PositiveSmallIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(24 * 60)],
        help_text="An unacknowledged safety alert is escalated to the clinic admins after this",
    )
    # CLINICAL.md §3: MADRS remission ≤ 10 (KetECT) by default; ≤ 12 esketamine programme.
    madrs_remission_max = models.PositiveSmallIntegerField(default=10, validators=[MaxValueValidator(60)])
    # CLINICAL.md §3: PCL-5 cut-off 31–33 current; 33 the top of the range.
    pcl5_cutoff_total = models.PositiveSmallIntegerField(default=33, validators=[MaxValueValidator(80)])

    class Meta:
        verbose_name_plural = "measurement settings"

    def __str__(self) -> str:
        return f"Measurement settings of {self.organisation}"

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> "MeasurementSettings":
        return cls.objects.filter(organisation=organisation).first() or cls(organisation=organisation)


class AssignmentReason(models.TextChoices):
    BASELINE = "baseline", "Baseline"
    BEFORE_SESSION = "before_session", "Before a session"
    INTERVAL = "interval", "Interval"
    MANUAL = "manual", "Manual"


class AssignmentStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    COMPLETED = "completed", "Completed"
    EXPIRED = "expired", "Expired"
    CANCELLED = "cancelled", "Cancelled"


class QuestionnaireAssignment(models.Model):
    """A questionnaire a patient is asked to fill in by a due time, by link, portal or tablet.

    The emailed link carries a random token; only its SHA-256 is stored here, with the time
    the link stops working. Completed by exactly one submitted response.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="questionnaire_assignments")
    instrument = models.CharField(max_length=30, choices=PATIENT_INSTRUMENT_CHOICES)
    due_at = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=AssignmentReason.choices, default=AssignmentReason.MANUAL)
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=AssignmentStatus.choices, default=AssignmentStatus.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    link_token_sha256 = models.CharField(max_length=64, unique=True, null=True, blank=True, editable=False)
    link_expires_at = models.DateTimeField(null=True, blank=True)
    # Keys chosen by the apps above that assign on a plan's behalf (measures imports neither): the plan
    # ("protocols.treatmentplan:12") and the booked session ("scheduling.appointment:34") the questionnaire
    # is due before. It moves with the session, is cancelled with it and closes with the plan. Blank: manual.
    plan_key = models.CharField(max_length=60, blank=True, db_index=True)
    session_key = models.CharField(max_length=60, blank=True, db_index=True)

    class Meta:
        ordering = ["-due_at", "-id"]
        indexes = [models.Index(fields=["patient", "status"], name="assignment_patient_status")]

    def __str__(self) -> str:
        return f"{self.instrument_name} for {self.patient_id} due {self.due_at:%Y-%m-%d}"

    @property
    def instrument_name(self) -> str:
        return INSTRUMENTS[self.instrument].name


class ResponseStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", "In progress"
    SUBMITTED = "submitted", "Submitted"


class ResponseChannel(models.TextChoices):
    LINK = "link", "Emailed link"
    PORTAL = "portal", "Patient portal"
    TABLET = "tablet", "Clinic tablet"
    STAFF = "staff", "Entered by staff"


class SubmittedResponseError(RuntimeError):
    pass


class QuestionnaireResponseQuerySet(models.QuerySet):
    def update(self, **kwargs):
        if self.filter(status=ResponseStatus.SUBMITTED).exists():
            raise SubmittedResponseError("A submitted response cannot be changed")
        return super().update(**kwargs)

    def delete(self):
        if self.filter(status=ResponseStatus.SUBMITTED).exists():
            raise SubmittedResponseError("A submitted response cannot be deleted")
        return super().delete()


class QuestionnaireResponse(models.Model):
    """One filling-in of an instrument: answers saved as they are given, scored on submit.

    `answers` maps the item number (as a string, JSON keys) to the chosen value, or null for an
    item that was not asked. total / severity / subscales / flags are computed by the domain
    scorer when the response is submitted, never taken from the client. Once submitted the
    row is frozen (save() and the queryset refuse); an amendment is a new response whose
    `amends` points here, with the reason.
    """

    assignment = models.ForeignKey(
        QuestionnaireAssignment, on_delete=models.PROTECT, null=True, blank=True, related_name="responses"
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="questionnaire_responses")
    instrument = models.CharField(max_length=30, choices=INSTRUMENT_CHOICES)
    instrument_version = models.CharField(max_length=200)
    answers = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=20, choices=ResponseStatus.choices, default=ResponseStatus.IN_PROGRESS)
    total = models.IntegerField(null=True, blank=True)
    severity = models.CharField(max_length=30, blank=True)
    subscales = models.JSONField(default=dict, blank=True)
    flags = models.JSONField(default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    channel = models.CharField(max_length=10, choices=ResponseChannel.choices)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    amends = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="amendments")
    amendment_reason = models.TextField(blank=True)

    objects = QuestionnaireResponseQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "submitted_at"], name="response_patient_instr")]
        constraints = [
            # One response per assignment: a second tab or a double tap continues the same one.
            models.UniqueConstraint(fields=["assignment"], name="response_one_per_assignment"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_name} response {self.pk} ({self.status})"

    def save(self, *args, **kwargs):
        if not self._state.adding and type(self).objects.filter(pk=self.pk, status=ResponseStatus.SUBMITTED).exists():
            raise SubmittedResponseError("A submitted response cannot be changed; amend it instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.status == ResponseStatus.SUBMITTED:
            raise SubmittedResponseError("A submitted response cannot be deleted")
        return super().delete(*args, **kwargs)

    @property
    def instrument_name(self) -> str:
        return INSTRUMENTS[self.instrument].name

    @property
    def safety_flags(self) -> list[str]:
        return [flag for flag in self.flags if flag in SAFETY_FLAGS]


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class AlertSeverity(models.TextChoices):
    URGENT = "urgent", "Urgent"


class Alert(models.Model):
    """A safety alert raised by a submitted response (suicidal ideation, C-SSRS moderate/high risk).

    Open until a nurse or prescriber acknowledges it with a note; escalated once to the clinic
    admins when it stays open longer than MeasurementSettings.alert_escalation_minutes.
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="measure_alerts")
    response = models.ForeignKey(QuestionnaireResponse, on_delete=models.PROTECT, related_name="alerts")
    kind = models.CharField(max_length=30, choices=[(flag, flag.replace("_", " ")) for flag in SAFETY_FLAGS])
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.URGENT)
    status = models.CharField(max_length=20, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    raised_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledgement_note = models.TextField(blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["raised_at", "id"]
        indexes = [models.Index(fields=["status", "raised_at"], name="alert_status_raised")]
        constraints = [models.UniqueConstraint(fields=["response", "kind"], name="alert_one_per_response_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} alert for patient {self.patient_id} ({self.status})"


class OutcomeSummary(models.Model):
    """One patient's dashboard scores on one instrument: the baseline and the score picked in
    each follow-up window (reports.domain.dashboard.FOLLOW_UP_WINDOWS) after the first started plan.

    Recomputed by reports.actions.refresh_outcome_summaries inside every action that changes
    them (a response submitted, entered or amended; a plan's status changed: they send
    measures.hooks.outcome_inputs_changed), so the clinic dashboard is one GROUP BY over at most
    a row per patient and instrument instead of a pass over every response
    (bench/outcomes_dashboard.py). Kept here, with its migration, beside the responses it sums up.
    """

    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="+")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=20)
    first_plan = models.ForeignKey("protocols.TreatmentPlan", on_delete=models.CASCADE, related_name="+")
    baseline_total = models.SmallIntegerField(null=True)
    week4_total = models.SmallIntegerField(null=True)
    week8_total = models.SmallIntegerField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["patient", "instrument"], name="outcome_summary_patient_instrument"),
        ]
        indexes = [models.Index(fields=["organisation", "instrument"], name="outcome_summary_org_instrument")]


class ExternalScore(models.Model):
    """A questionnaire total taken by another system, without its answers (a PHQ-9 or GAD-7 history arriving
    with `ketacare import fhir`): shown in the patient's trend, marked with its source, served as an Observation.

    Never a QuestionnaireResponse (no answers, so no item 9 and no safety alert), and never a baseline or a
    follow-up of the outcome rules (docs/measures.md, "Scores from other systems").
    """

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="external_scores")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    instrument = models.CharField(max_length=30, choices=INSTRUMENT_CHOICES)
    total = models.SmallIntegerField()
    taken_at = models.DateTimeField()
    source = models.CharField(max_length=255, help_text="The system it came from, as the clinic named it")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-taken_at", "-id"]
        indexes = [models.Index(fields=["patient", "instrument", "taken_at"], name="external_score_patient_taken")]

    def __str__(self) -> str:
        return f"{self.instrument} {self.total} on {self.taken_at:%Y-%m-%d} from {self.source}"

    def clean(self):
        if isinstance(self.taken_at, dt.datetime) and self.taken_at > timezone.now():
            raise ValidationError({"taken_at": "The date cannot be in the future."})
        instrument = INSTRUMENTS.get(self.instrument)
        if instrument is not None and isinstance(self.total, int):
            if not instrument.total_min <= self.total <= instrument.total_max:
                raise ValidationError(
                    {"total": f"{instrument.name} totals run {instrument.total_min}–{instrument.total_max}."}
                )
