from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ketacare.clinics.models import Location, Organisation
from ketacare.patients.domain.names import search_key


class CareStage(models.TextChoices):
    REGISTERED = "registered", "Registered"
    SCREENING = "screening", "Candidacy screening"
    CONSULTATION = "consultation", "Consultation"
    INDUCTION = "induction", "Induction course"
    MAINTENANCE = "maintenance", "Maintenance"
    DISCHARGED = "discharged", "Discharged"
    NOT_ELIGIBLE = "not_eligible", "Not eligible"


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
        max_length=10, blank=True,
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
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="patient_record",
    )
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
                fields=["organisation", "last_name_key", "first_name_key"], name="patient_org_name",
                opclasses=["int8_ops", "varchar_pattern_ops", "varchar_pattern_ops"],
            ),
            models.Index(
                fields=["organisation", "first_name_key"], name="patient_org_first",
                opclasses=["int8_ops", "varchar_pattern_ops"],
            ),
            models.Index(fields=["organisation", "date_of_birth"], name="patient_org_dob"),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.record_number})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

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


class WeightMeasurement(models.Model):
    """A dated body weight; weight-based doses use the latest recent one."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="weights")
    weight_kg = models.DecimalField(
        max_digits=5, decimal_places=1,
        validators=[MinValueValidator(30), MaxValueValidator(300)],
    )
    measured_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-measured_on", "-recorded_at"]

    def __str__(self) -> str:
        return f"{self.weight_kg} kg on {self.measured_on}"
