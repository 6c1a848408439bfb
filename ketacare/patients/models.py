import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F
from django.db.models.functions import Lower
from django.utils import timezone

from ketacare.clinics.models import Location, Organisation
from ketacare.lib.phones import normalise_phone
from ketacare.patients.domain.codes import normalise_icd10_cm
from ketacare.patients.domain.demographics import age_on, date_of_birth_problem
from ketacare.patients.domain.names import search_key
from ketacare.patients.domain.status import (
    ALLERGY_TRANSITIONS,
    DIAGNOSIS_TRANSITIONS,
    MEDICATION_TRANSITIONS,
)

FUTURE_DATE_MESSAGE = "The date cannot be in the future."
PHONE_FIELDS = ("phone", "emergency_contact_phone", "referring_clinician_phone")


class CareStage(models.TextChoices):
    REGISTERED = "registered", "Registered"
    SCREENING = "screening", "Candidacy screening"
    CONSULTATION = "consultation", "Consultation"
    INDUCTION = "induction", "Induction course"
    MAINTENANCE = "maintenance", "Maintenance"
    DISCHARGED = "discharged", "Discharged"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


def _next_statuses(choices: type[models.TextChoices], transitions, current: str) -> list[tuple[str, str]]:
    allowed = transitions.get(current, frozenset())
    return [(choice.value, choice.label) for choice in choices if choice.value in allowed]


class Patient(models.Model):
    """A registered patient of one organisation: demographics, contacts and care stage.

    Reached only through patients/selectors.py, which checks the role matrix and
    the organisation and writes the audit entry for every read.
    """

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="patients")
    record_number = models.CharField(max_length=20)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    # Indexed, accent- and case-folded copies of the names (patients/domain/names.py).
    first_name_key = models.CharField(max_length=100, editable=False)
    last_name_key = models.CharField(max_length=100, editable=False)
    date_of_birth = models.DateField()
    sex_at_birth = models.CharField(
        max_length=10,
        blank=True,
        choices=[("female", "Female"), ("male", "Male"), ("intersex", "Intersex"), ("unknown", "Unknown")],
    )
    gender_identity = models.CharField(max_length=60, blank=True)
    pronouns = models.CharField(max_length=30, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=20, blank=True, help_text="E.164, e.g. +15035550123")
    address_line = models.CharField(max_length=200, blank=True)
    city = models.CharField(max_length=100, blank=True)
    region = models.CharField(max_length=100, blank=True)
    postal_code = models.CharField(max_length=20, blank=True)
    country = models.CharField(max_length=2, default="US")
    emergency_contact_name = models.CharField(max_length=200, blank=True)
    emergency_contact_relationship = models.CharField(max_length=60, blank=True)
    emergency_contact_phone = models.CharField(max_length=20, blank=True)
    referring_clinician_name = models.CharField(max_length=200, blank=True)
    referring_clinician_practice = models.CharField(max_length=200, blank=True)
    referring_clinician_phone = models.CharField(max_length=20, blank=True)
    referring_clinician_email = models.EmailField(blank=True)
    home_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="patients"
    )
    stage = models.CharField(max_length=20, choices=CareStage.choices, default=CareStage.REGISTERED)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="patient_record",
    )
    # A duplicate merged into another record (actions.do_merge_patients): its rows now belong to
    # `merged_into`, it leaves lists and search, and its address leads there. None for a live record.
    merged_into = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="merged_duplicates"
    )
    merged_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["last_name_key", "first_name_key", "id"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "record_number"], name="patient_unique_mrn"),
        ]
        indexes = [
            # Prefix search (LIKE 'abc%'): pattern opclasses let PostgreSQL use the
            # index whatever the database collation; SQLite ignores opclasses.
            models.Index(
                fields=["organisation", "last_name_key", "first_name_key"],
                name="patient_org_name",
                opclasses=["int8_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["organisation", "first_name_key"],
                name="patient_org_first",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["organisation", "date_of_birth"], name="patient_org_dob"),
            # The name order itself, for broad searches (one or two letters) and the unfiltered list: a
            # pattern-opclass index cannot give ORDER BY under a database collation other than C, so
            # PostgreSQL would sort every match before taking the first page. (On SQLite, where opclasses
            # are ignored, patient_org_name already serves the order.)
            models.Index(
                fields=["organisation", "last_name_key", "first_name_key", "id"], name="patient_org_name_order"
            ),
            # Search by phone (stored in E.164) and by email address (compared case-folded).
            models.Index(fields=["organisation", "phone"], name="patient_org_phone"),
            models.Index(F("organisation"), Lower("email"), name="patient_org_email"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.record_number})"

    def save(self, *args, **kwargs):
        self.first_name_key = search_key(self.first_name)
        self.last_name_key = search_key(self.last_name)
        if kwargs.get("update_fields") is not None:
            fields = set(kwargs["update_fields"])
            if "first_name" in fields:
                fields.add("first_name_key")
            if "last_name" in fields:
                fields.add("last_name_key")
            kwargs["update_fields"] = fields
        super().save(*args, **kwargs)

    def clean(self):
        errors = {}
        for field in ("first_name", "last_name"):
            if getattr(self, field) and not search_key(getattr(self, field)):
                errors[field] = "Enter a name with at least one letter."
        # A value that failed its field's own check is still the raw input here.
        if isinstance(self.date_of_birth, dt.date):
            problem = date_of_birth_problem(self.date_of_birth, self.today())
            if problem:
                errors["date_of_birth"] = problem
        for field in PHONE_FIELDS:
            try:
                setattr(self, field, normalise_phone(getattr(self, field) or ""))
            except ValueError as exc:
                errors[field] = str(exc)
        if self.home_location_id and self.organisation_id:
            # A location that does not exist at all is reported by the field's own check.
            location_org = (
                Location.objects.filter(pk=self.home_location_id).values_list("organisation_id", flat=True).first()
            )
            if location_org is not None and location_org != self.organisation_id:
                errors["home_location"] = "Choose one of this clinic's locations."
        if errors:
            raise ValidationError(errors)

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def age_years(self) -> int:
        return age_on(self.date_of_birth, self.today())

    @property
    def zone_name(self) -> str:
        """The time zone the chart's times are shown in."""
        return self.home_location.time_zone if self.home_location_id else settings.TIME_ZONE

    def today(self) -> dt.date:
        """Today where the patient is seen.

        Without a home location this is the latest date anywhere (UTC+14), so a
        date that is already today somewhere is never refused as "in the future".
        """
        try:
            location = self.home_location
        except Location.DoesNotExist:  # a wrong location id is reported by the field's own check
            location = None
        if location is not None:
            return timezone.localdate(timezone=location.zone)
        return (timezone.now() + dt.timedelta(hours=14)).date()


class PatientRecordCounter(models.Model):
    """The last record number issued per organisation; incremented under a row lock."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, primary_key=True)
    last_number = models.PositiveIntegerField(default=0)


class DiagnosisStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    RESOLVED = "resolved", "Resolved"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class Diagnosis(models.Model):
    """A diagnosis coded in ICD-10-CM (e.g. F33.2 MDD, recurrent, severe without psychotic features)."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="diagnoses")
    icd10_code = models.CharField(max_length=8)
    description = models.CharField(max_length=250)
    onset_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=DiagnosisStatus.choices, default=DiagnosisStatus.ACTIVE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "icd10_code"]
        verbose_name_plural = "diagnoses"

    def __str__(self) -> str:
        return f"{self.icd10_code} {self.description}"

    def clean(self):
        errors = {}
        if isinstance(self.icd10_code, str):
            try:
                self.icd10_code = normalise_icd10_cm(self.icd10_code)
            except ValueError as exc:
                errors["icd10_code"] = str(exc)
        if self.patient_id and isinstance(self.onset_date, dt.date) and self.onset_date > self.patient.today():
            errors["onset_date"] = FUTURE_DATE_MESSAGE
        if errors:
            raise ValidationError(errors)

    def next_statuses(self) -> list[tuple[str, str]]:
        return _next_statuses(DiagnosisStatus, DIAGNOSIS_TRANSITIONS, self.status)


class AllergyStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class Allergy(models.Model):
    """An allergy or intolerance, with the reaction seen."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=200)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(
        max_length=10, blank=True, choices=[("mild", "Mild"), ("moderate", "Moderate"), ("severe", "Severe")]
    )
    status = models.CharField(max_length=20, choices=AllergyStatus.choices, default=AllergyStatus.ACTIVE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "substance"]
        verbose_name_plural = "allergies"

    def __str__(self) -> str:
        return self.substance

    def next_statuses(self) -> list[tuple[str, str]]:
        return _next_statuses(AllergyStatus, ALLERGY_TRANSITIONS, self.status)


class MedicationStatus(models.TextChoices):
    ACTIVE = "active", "Taking"
    STOPPED = "stopped", "Stopped"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"


class Medication(models.Model):
    """A medicine the patient takes (or took), as reported or reconciled."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="medications")
    name = models.CharField(max_length=200)
    dose = models.CharField(max_length=100, blank=True, help_text="e.g. 20 mg")
    frequency = models.CharField(max_length=100, blank=True, help_text="e.g. once daily")
    started_on = models.DateField(null=True, blank=True)
    stopped_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=MedicationStatus.choices, default=MedicationStatus.ACTIVE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["status", "name"]

    def __str__(self) -> str:
        return f"{self.name} {self.dose}".strip()

    def clean(self):
        errors = {}
        today = self.patient.today() if self.patient_id else None
        started = self.started_on if isinstance(self.started_on, dt.date) else None
        stopped = self.stopped_on if isinstance(self.stopped_on, dt.date) else None
        if today and started and started > today:
            errors["started_on"] = FUTURE_DATE_MESSAGE
        if today and stopped and stopped > today:
            errors["stopped_on"] = FUTURE_DATE_MESSAGE
        elif started and stopped and stopped < started:
            errors["stopped_on"] = "The stop date cannot be before the start date."
        if self.status == MedicationStatus.STOPPED and self.stopped_on is None:
            errors["stopped_on"] = "Enter the date the medication was stopped."
        if errors:
            raise ValidationError(errors)

    def next_statuses(self) -> list[tuple[str, str]]:
        return _next_statuses(MedicationStatus, MEDICATION_TRANSITIONS, self.status)


class WeightMeasurement(models.Model):
    """A dated body weight; weight-based doses use the latest recent one."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="weights")
    weight_kg = models.DecimalField(
        max_digits=5,
        decimal_places=1,
        validators=[MinValueValidator(30), MaxValueValidator(300)],
    )
    measured_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg on {self.measured_on}"

    def clean(self):
        if not (self.patient_id and isinstance(self.measured_on, dt.date)):
            return
        if self.measured_on > self.patient.today():
            raise ValidationError({"measured_on": FUTURE_DATE_MESSAGE})
        if self.measured_on < self.patient.date_of_birth:
            raise ValidationError({"measured_on": "The date cannot be before the date of birth."})
