"""Esketamine REMS records: the setting's certification, patient enrollment and the
Patient Monitoring Form filed after every outpatient session (CLINICAL.md §2)."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q


class RemsCertification(models.Model):
    """A location's certification as an esketamine REMS outpatient healthcare setting.

    Renewals are new rows; a withdrawn certification keeps its row with is_active False.
    """

    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="rems_certifications")
    certificate_id = models.CharField(max_length=60)
    certified_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    authorized_representative = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    withdrawn_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["location", "-certified_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(expires_on__gte=models.F("certified_on")),
                name="rems_certification_expiry_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"REMS certificate {self.certificate_id} ({self.location})"


class RemsEnrollment(models.Model):
    """A patient's enrollment in the esketamine REMS (required before the first treatment)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="rems_enrollments")
    enrollment_id = models.CharField(max_length=60)
    enrolled_on = models.DateField()
    enrolled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The prescriber who enrolled the patient",
    )
    is_active = models.BooleanField(default=True)
    withdrawn_reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["patient", "-enrolled_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient"], condition=Q(is_active=True), name="rems_enrollment_one_active_per_patient"
            ),
        ]

    def __str__(self) -> str:
        return f"REMS enrollment {self.enrollment_id}"


class LockedFormError(RuntimeError):
    """A change to a finalised monitoring form (only its submission date may still be recorded)."""


# What may still be written once a form is finalised: when it went to the REMS.
SUBMISSION_FIELDS = frozenset({"submitted_on", "submitted_by", "updated_at"})


class FormStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    FINALISED = "finalised", "Finalised"


def _yes_no(label: str) -> models.BooleanField:
    return models.BooleanField(null=True, blank=True, verbose_name=label)


def _mmhg() -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(20), MaxValueValidator(350)]
    )


class MonitoringForm(models.Model):
    """One Patient Monitoring Form (fields of the Janssen PMF, CLINICAL.md §2), filled from the
    session chart and completed by staff. Finalised forms are locked; `submitted_on` records when
    it went to the REMS (online or fax, outside KetaCare)."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="rems_forms")
    location = models.ForeignKey(
        "clinics.Location", on_delete=models.PROTECT, related_name="rems_forms", verbose_name="setting"
    )
    # One form per session; the form keeps its own copy of the values (the REMS gets what was filed).
    session = models.OneToOneField(
        "treatments.TreatmentSession", on_delete=models.PROTECT, null=True, blank=True, related_name="rems_form"
    )
    monitoring_clinician = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    monitoring_clinician_phone = models.CharField(max_length=32, blank=True)
    treatment_date = models.DateField(null=True, blank=True)
    first_treatment = _yes_no("first treatment")
    dose_mg = models.PositiveSmallIntegerField(null=True, blank=True, validators=[MaxValueValidator(1000)])
    lot_number = models.CharField(max_length=60, blank=True)
    monitoring_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(1440)],
        help_text="Minutes from the first device to the end of monitoring",
    )
    ready_to_leave_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[MaxValueValidator(1440)],
        help_text="REMS evaluation question: minutes until the patient would have been ready to leave "
        "without the 2-hour rule (optional)",
    )
    vitals_in_range_before_dose = _yes_no("vitals in range before administration")
    vitals_in_range_before_leaving = _yes_no("vitals in range before leaving")
    bp_before_systolic_mmhg = _mmhg()
    bp_before_diastolic_mmhg = _mmhg()
    bp_40min_systolic_mmhg = _mmhg()
    bp_40min_diastolic_mmhg = _mmhg()
    bp_leaving_systolic_mmhg = _mmhg()
    bp_leaving_diastolic_mmhg = _mmhg()
    sedation = _yes_no("sedation")
    dissociation = _yes_no("dissociation")
    respiratory_depression = _yes_no("respiratory depression")
    benzodiazepines = _yes_no("benzodiazepines")
    non_benzodiazepine_sedative_hypnotics = _yes_no("non-benzodiazepine sedative hypnotics")
    psychostimulants = _yes_no("psychostimulants")
    maois = _yes_no("MAOIs")
    opioids = _yes_no("opioids")
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=FormStatus.choices, default=FormStatus.DRAFT)
    finalised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    finalised_at = models.DateTimeField(null=True, blank=True)
    submitted_on = models.DateField(null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-treatment_date", "-id"]
        indexes = [models.Index(fields=["organisation", "submitted_on", "treatment_date"], name="rems_form_due")]

    def __str__(self) -> str:
        return f"REMS monitoring form {self.pk} ({self.treatment_date})"

    def save(self, *args, **kwargs):
        update_fields = kwargs.get("update_fields")
        if (
            not self._state.adding
            and (update_fields is None or not set(update_fields) <= SUBMISSION_FIELDS)
            and type(self).objects.filter(pk=self.pk, status=FormStatus.FINALISED).exists()
        ):
            raise LockedFormError("A finalised monitoring form is locked")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedFormError("Monitoring forms are never deleted")

    @property
    def is_locked(self) -> bool:
        return self.status == FormStatus.FINALISED
