from django.db import models

from ketacare.clinics.models import Location, Organisation


class InquiryStatus(models.TextChoices):
    NEW = "new", "New"
    CONTACTED = "contacted", "Contacted"
    SCHEDULED = "scheduled", "Scheduled"
    DECLINED = "declined", "Declined"


class HelpReason(models.TextChoices):
    DEPRESSION = "depression", "Depression"
    ANXIETY = "anxiety", "Anxiety"
    PTSD = "ptsd", "PTSD"
    SUICIDAL_THOUGHTS = "suicidal_thoughts", "Suicidal thoughts"
    OTHER = "other", "Other"


class Inquiry(models.Model):
    """A consultation request sent from the public page or API, triaged in the staff inbox."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="inquiries")
    status = models.CharField(max_length=12, choices=InquiryStatus.choices, default=InquiryStatus.NEW)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    phone = models.CharField(max_length=20, blank=True, help_text="E.164")
    email = models.EmailField(blank=True)
    preferred_location = models.ForeignKey(
        Location, on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries"
    )
    reasons = models.JSONField(default=list, help_text="HelpReason values")
    reason_other = models.CharField(max_length=200, blank=True)
    current_treatment = models.TextField(blank=True)
    heard_about = models.CharField(max_length=200, blank=True)
    consent_to_contact = models.BooleanField(default=False)
    status_note = models.TextField(blank=True)
    patient = models.ForeignKey(
        "patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="inquiries"
    )
    submitted_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    submission_count = models.PositiveSmallIntegerField(
        default=1, help_text="Repeat submissions within a day update this request"
    )

    class Meta:
        ordering = ["-submitted_at"]
        verbose_name_plural = "inquiries"
        indexes = [models.Index(fields=["organisation", "status", "submitted_at"], name="inquiry_inbox")]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_status_display()})"

    @property
    def reason_labels(self) -> list[str]:
        labels = dict(HelpReason.choices)
        return [labels.get(reason, reason) for reason in self.reasons]


class PreferredWindow(models.Model):
    """A day and time range the requester prefers, stored in UTC, shown in the location's zone."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="windows")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="window_positive")
        ]

    def __str__(self) -> str:
        return f"{self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} UTC"
