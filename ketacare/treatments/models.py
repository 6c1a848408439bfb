"""Treatment sessions charted by the nurse: check-in, checklist, dose, administration, vitals,
ratings, adverse events, discharge, signatures and addenda.

Status flow (domain/status.py): checked_in → prechecks_done / held → dosing → administering →
observing → discharged → signed. A held session continues only after a prescriber's override
with a reason. Once signed the record is locked: every child row refuses to be written
(`LockedRecordError`), and corrections are `SessionAddendum` rows.

Ledger rows (vials, administration and waste entries) are referred to by id: the ledger is
append-only and owns its own integrity; the session keeps the ids and a copy of the lot so the
chart and the REMS form read without joining the ledger.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q

from ketacare.clinics.models import Location, Organisation
from ketacare.treatments.domain.rules import (
    DEFAULT_ESKETAMINE_MIN_OBSERVATION_MIN,
    DEFAULT_POST_DOSE_OBSERVATION_MIN,
    DEFAULT_RISK_LOOKBACK_DAYS,
    DEFAULT_VITALS_TOLERANCE_MIN,
    ESKETAMINE_DEVICE_REST_MIN,
)

USER = settings.AUTH_USER_MODEL


class LockedRecordError(RuntimeError):
    """A write to a signed (locked) session record."""


class SessionStatus(models.TextChoices):
    CHECKED_IN = "checked_in", "Checked in"
    PRECHECKS_DONE = "prechecks_done", "Pre-session checks done"
    HELD = "held", "Held"
    DOSING = "dosing", "Dose prepared"
    ADMINISTERING = "administering", "Administering"
    OBSERVING = "observing", "Observing"
    DISCHARGED = "discharged", "Discharged"
    SIGNED = "signed", "Signed"
    CANCELLED = "cancelled", "Not given"


class InteractingMedicine(models.TextChoices):
    """Medicines the esketamine REMS monitoring form asks about (CLINICAL.md §2, PMF fields)."""

    BENZODIAZEPINE = "benzodiazepine", "Benzodiazepine"
    NON_BENZO_SEDATIVE = "non_benzo_sedative", "Non-benzodiazepine sedative hypnotic"
    PSYCHOSTIMULANT = "psychostimulant", "Psychostimulant"
    MAOI = "maoi", "Monoamine oxidase inhibitor (MAOI)"
    OPIOID = "opioid", "Opioid"


class TreatmentSettings(models.Model):
    """Per-organisation charting policy; a clinic without a row uses the defaults."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="treatment_settings")
    # Clinic choice (no source): how far a vital check may drift from its scheduled minute.
    vitals_tolerance_min = models.PositiveSmallIntegerField(
        default=DEFAULT_VITALS_TOLERANCE_MIN, validators=[MaxValueValidator(60)]
    )
    # CLINICAL.md §2: esketamine REMS — monitor at least 2 hours.
    esketamine_min_observation_min = models.PositiveSmallIntegerField(
        default=DEFAULT_ESKETAMINE_MIN_OBSERVATION_MIN, validators=[MinValueValidator(120), MaxValueValidator(720)]
    )
    # UNVERIFIED (CLINICAL.md §1: ASKP3 discharge specifics not retrieved): clinic setting. Routes
    # other than esketamine: minutes observed after the END of administration (issue 14).
    post_dose_observation_min = models.PositiveSmallIntegerField(
        default=DEFAULT_POST_DOSE_OBSERVATION_MIN, validators=[MaxValueValidator(720)]
    )
    # UNVERIFIED (CLINICAL.md §1: HR > 110 and SpO2 limits not in a primary text): clinic settings.
    discharge_max_heart_rate_bpm = models.PositiveSmallIntegerField(default=110)
    discharge_min_spo2_percent = models.PositiveSmallIntegerField(default=94, validators=[MaxValueValidator(100)])
    # Clinic choice: how far back the chart's risk flags look for suicidal-ideation answers (PHQ-9
    # item 9 > 0, a positive C-SSRS screen). Default 30 days = the C-SSRS screener's past-month
    # ideation recall (CLINICAL.md §3; the PHQ-9 recalls 2 weeks).
    risk_lookback_days = models.PositiveSmallIntegerField(
        default=DEFAULT_RISK_LOOKBACK_DAYS, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    # Clinic choice: whether a pregnancy test is part of the checklist.
    pregnancy_test_required = models.BooleanField(default=False)

    class Meta:
        verbose_name_plural = "treatment settings"

    def __str__(self) -> str:
        return f"Treatment settings of {self.organisation}"

    @classmethod
    def for_organisation(cls, organisation: Organisation) -> "TreatmentSettings":
        return cls.objects.filter(organisation=organisation).first() or cls(organisation=organisation)


class TreatmentSession(models.Model):
    """One treatment given to a patient at a location, from check-in to signature."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="treatment_sessions")
    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="treatment_sessions")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="treatment_sessions")
    plan = models.ForeignKey("protocols.TreatmentPlan", on_delete=models.PROTECT, related_name="treatment_sessions")
    # The template version the plan was made from, kept for thresholds and vital check times.
    template = models.ForeignKey("protocols.ProtocolTemplate", on_delete=models.PROTECT, related_name="+")
    planned_session = models.ForeignKey(
        "protocols.PlannedSession", on_delete=models.PROTECT, null=True, blank=True, related_name="treatment_sessions"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="treatment_sessions"
    )
    route = models.CharField(max_length=30)
    drug = models.CharField(max_length=30)
    status = models.CharField(max_length=20, choices=SessionStatus.choices, default=SessionStatus.CHECKED_IN)
    monitoring_clinician = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="monitored_sessions")
    prescriber = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    checked_in_at = models.DateTimeField()
    # Today's weight used for the dose (copied from the weight history at check-in).
    weight_kg = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    weight_measured_on = models.DateField(null=True, blank=True)
    # What the patient took today among the medicines the REMS form asks about.
    interacting_medicines = models.JSONField(default=list, blank=True)
    hold_reason = models.TextField(blank=True)
    held_at = models.DateTimeField(null=True, blank=True)
    override_reason = models.TextField(blank=True)
    overridden_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)
    administration_started_at = models.DateTimeField(null=True, blank=True)
    administration_stopped_at = models.DateTimeField(null=True, blank=True)
    administered_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # End of monitoring = discharge time.
    discharged_at = models.DateTimeField(null=True, blank=True)
    discharged_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    cancelled_reason = models.TextField(blank=True)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-checked_in_at", "-id"]
        indexes = [
            models.Index(fields=["location", "checked_in_at"], name="session_location_checkin"),
            models.Index(fields=["patient", "checked_in_at"], name="session_patient_checkin"),
        ]
        constraints = [
            # One live session per appointment: a double tap on "start session" opens the same one.
            models.UniqueConstraint(
                fields=["appointment"],
                condition=Q(appointment__isnull=False) & ~Q(status="cancelled"),
                name="session_one_live_per_appointment",
            ),
        ]

    def __str__(self) -> str:
        return f"Session {self.pk} for patient {self.patient_id} on {self.checked_in_at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding and type(self).objects.filter(pk=self.pk, status=SessionStatus.SIGNED).exists():
            raise LockedRecordError("A signed session is locked; write an addendum instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedRecordError("Treatment sessions are never deleted; cancel the session instead")

    @property
    def is_locked(self) -> bool:
        return self.status == SessionStatus.SIGNED

    @property
    def is_esketamine(self) -> bool:
        return self.drug == "esketamine"

    # --- What was given and for how long (the chart, the record PDF and the REMS form read these)

    @property
    def first_device_at(self):
        """When the first esketamine device was used (None before, or for other routes)."""
        if not self.is_esketamine:
            return None
        device = self.devices.order_by("administered_at").first()
        return device.administered_at if device else None

    @property
    def dose_mg(self) -> Decimal | None:
        """The dose given: the sum of devices for esketamine, the prepared dose otherwise."""
        if self.is_esketamine:
            total = sum((d.dose_mg for d in self.devices.all()), Decimal("0"))
            return total or None
        preparation = self.preparations.first()
        return preparation.dose_mg if preparation else None

    @property
    def lot(self) -> str:
        return ", ".join(sorted({p.lot for p in self.preparations.all() if p.lot}))

    @property
    def monitoring_minutes(self) -> int | None:
        """Minutes from the first device (or the start of administration) to the end of monitoring."""
        start = self.first_device_at or self.administration_started_at
        if start is None or self.discharged_at is None:
            return None
        return int((self.discharged_at - start) / timedelta(minutes=1))


class _SessionChild(models.Model):
    """A row of a session's chart: refused once the session is signed."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if TreatmentSession.objects.filter(pk=self.session_id, status=SessionStatus.SIGNED).exists():
            raise LockedRecordError("A signed session is locked; write an addendum instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedRecordError("Chart entries are never deleted; mark them entered in error")


class CheckItem(models.TextChoices):
    IDENTITY = "identity", "Identity confirmed"
    QUESTIONNAIRES = "questionnaires", "Today's questionnaires done"
    WEIGHT = "weight", "Today's weight"
    FASTING = "fasting", "Fasting as instructed"
    DRIVER = "driver", "Driver home confirmed"
    PREGNANCY_TEST = "pregnancy_test", "Pregnancy test"
    INTERACTING_MEDICINES = "interacting_medicines", "Interacting medicines taken today asked"


class SessionCheck(_SessionChild):
    """One item of the check-in and pre-session checklist, as answered by the nurse."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="checks")
    item = models.CharField(max_length=30, choices=CheckItem.choices)
    passed = models.BooleanField()
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["recorded_at", "id"]
        constraints = [models.UniqueConstraint(fields=["session", "item"], name="session_check_unique_item")]


class VitalPhase(models.TextChoices):
    PRE_DOSE = "pre_dose", "Before dosing"
    MONITORING = "monitoring", "During monitoring"
    PRE_DISCHARGE = "pre_discharge", "Before discharge"


class VitalSign(_SessionChild):
    """One set of vital signs; `scheduled_minute` is the protocol check it answers (None = extra)."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="vitals")
    phase = models.CharField(max_length=20, choices=VitalPhase.choices)
    scheduled_minute = models.PositiveSmallIntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    # Minutes after the start of administration (None before it started).
    minute = models.IntegerField(null=True, blank=True)
    minutes_late = models.PositiveSmallIntegerField(default=0)
    systolic_mmhg = models.PositiveSmallIntegerField(validators=[MinValueValidator(40), MaxValueValidator(300)])
    diastolic_mmhg = models.PositiveSmallIntegerField(validators=[MinValueValidator(20), MaxValueValidator(200)])
    heart_rate_bpm = models.PositiveSmallIntegerField(validators=[MinValueValidator(20), MaxValueValidator(250)])
    spo2_percent = models.PositiveSmallIntegerField(validators=[MinValueValidator(50), MaxValueValidator(100)])
    respiratory_rate_per_min = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(4), MaxValueValidator(60)]
    )
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]

    @property
    def is_late(self) -> bool:
        return self.minutes_late > 0


class DosePreparation(_SessionChild):
    """The dose drawn from one vial (lot) of the ledger, by one user and checked by another."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="preparations")
    vial_id = models.PositiveIntegerField()
    lot = models.CharField(max_length=60)
    dose_mg = models.DecimalField(max_digits=8, decimal_places=3)
    volume_ml = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    concentration_mg_per_ml = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    dose_mg_per_kg = models.DecimalField(max_digits=7, decimal_places=3, null=True, blank=True)
    drawn_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    drawn_at = models.DateTimeField()
    ledger_entry_id = models.PositiveIntegerField(null=True, blank=True)
    # The remainder of the vial wasted with a witness (ledger waste entry).
    wasted_mg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    waste_witness = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    waste_ledger_entry_id = models.PositiveIntegerField(null=True, blank=True)
    wasted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["drawn_at", "id"]

    # Plain figures for pages and the PDF (0.70 mL → "0.7").
    @property
    def dose_mg_text(self) -> str:
        return f"{self.dose_mg.normalize():f}"

    @property
    def volume_ml_text(self) -> str:
        return "" if self.volume_ml is None else f"{self.volume_ml.normalize():f}"

    @property
    def wasted_mg_text(self) -> str:
        return "" if self.wasted_mg is None else f"{self.wasted_mg.normalize():f}"


class SessionDevice(_SessionChild):
    """One esketamine nasal device used; the next may be used only after the rest (CLINICAL.md §2)."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="devices")
    sequence = models.PositiveSmallIntegerField()
    # CLINICAL.md §2: 28 mg esketamine per device.
    dose_mg = models.DecimalField(max_digits=6, decimal_places=1, default=Decimal("28"))
    administered_at = models.DateTimeField()
    rest_minutes = models.PositiveSmallIntegerField(default=ESKETAMINE_DEVICE_REST_MIN)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["sequence"]
        constraints = [models.UniqueConstraint(fields=["session", "sequence"], name="session_device_sequence")]

    @property
    def rest_ends_at(self):
        return self.administered_at + timedelta(minutes=self.rest_minutes)


class SessionRating(_SessionChild):
    """A CADSS (dissociation) or MOAA/S (sedation) rating: a measures response linked to the session."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="ratings")
    instrument = models.CharField(max_length=20, choices=[("cadss", "CADSS"), ("moaas", "MOAA/S")])
    response = models.OneToOneField(
        "measures.QuestionnaireResponse", on_delete=models.PROTECT, related_name="treatment_session_rating"
    )
    minute = models.IntegerField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]


class AdverseEventKind(models.TextChoices):
    NAUSEA = "nausea", "Nausea"
    VOMITING = "vomiting", "Vomiting"
    HYPERTENSION = "hypertension", "Hypertension"
    DYSPHORIA = "dysphoria", "Dysphoria"
    ANXIETY = "anxiety", "Anxiety"
    SEDATION = "sedation", "Sedation"
    DISSOCIATION = "dissociation", "Dissociation"
    RESPIRATORY_DEPRESSION = "respiratory_depression", "Respiratory depression"
    OTHER = "other", "Other"


class AdverseEventSeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class AdverseEvent(_SessionChild):
    """Something that went wrong during the session, what was done and any rescue medicine."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="adverse_events")
    kind = models.CharField(max_length=30, choices=AdverseEventKind.choices)
    severity = models.CharField(max_length=10, choices=AdverseEventSeverity.choices, default=AdverseEventSeverity.MILD)
    onset_at = models.DateTimeField()
    description = models.TextField(blank=True)
    action_taken = models.TextField()
    rescue_medicine = models.CharField(max_length=200, blank=True)
    rescue_dose_mg = models.DecimalField(max_digits=8, decimal_places=3, null=True, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        ordering = ["onset_at", "id"]


class DischargeAssessment(_SessionChild):
    """The nurse's answers to the discharge criteria the clock and vitals cannot answer themselves."""

    session = models.OneToOneField(TreatmentSession, on_delete=models.PROTECT, related_name="discharge")
    alert = models.BooleanField()
    walking_steadily = models.BooleanField()
    accompanied_home = models.BooleanField()
    escort_name = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    assessed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    assessed_at = models.DateTimeField()


class SignerRole(models.TextChoices):
    NURSE = "nurse", "Nurse"
    PRESCRIBER = "prescriber", "Prescriber"


class SessionSignature(_SessionChild):
    """A nurse's or prescriber's signature; with both the record is locked."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="signatures")
    role = models.CharField(max_length=20, choices=SignerRole.choices)
    signed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at"]
        constraints = [models.UniqueConstraint(fields=["session", "role"], name="session_signature_role")]


class SessionAddendum(models.Model):
    """A correction or addition written after signing; addenda are the only writes a signed record takes."""

    session = models.ForeignKey(TreatmentSession, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField()

    class Meta:
        ordering = ["written_at", "id"]
        verbose_name_plural = "session addenda"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LockedRecordError("An addendum is never changed; write another")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedRecordError("Addenda are never deleted")
