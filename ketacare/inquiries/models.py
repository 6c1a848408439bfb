import datetime as dt
import zoneinfo
from typing import NamedTuple

from django.db import models
from django.utils import timezone

from ketacare.clinics.models import Location, Organisation, validate_time_zone
from ketacare.inquiries.domain.validation import format_window
from ketacare.patients.domain.demographics import age_on


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


# Built once: `HelpReason.choices` builds its list again on every read, and the inbox reads it per row.
_HELP_REASON_LABELS = dict(HelpReason.choices)


def reason_items(reasons: list[str]) -> list[tuple[str, bool]]:
    """(label, is_urgent) per reason: staff see suicidal thoughts flagged where they read the list."""
    return [(_HELP_REASON_LABELS.get(reason, reason), reason == HelpReason.SUICIDAL_THOUGHTS) for reason in reasons]


# Where a list of requests puts each one's windows (Inquiry.preferred_windows).
LISTED_WINDOWS = "listed_windows"


class ListedWindow(NamedTuple):
    """A preferred window as a list reads it: the two times, without building a model per window (issue 19)."""

    starts_at: dt.datetime
    ends_at: dt.datetime


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
    # The zone the requester's day/time windows were given in: the preferred
    # location's, else the organisation's first location's at the time.
    time_zone = models.CharField(max_length=64, default="UTC", validators=[validate_time_zone])
    reasons = models.JSONField(default=list, blank=True, help_text="HelpReason values")
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
        indexes = [
            models.Index(fields=["organisation", "status", "submitted_at"], name="inquiry_inbox"),
            # Finding a repeat submission of the same person within a day.
            models.Index(fields=["organisation", "date_of_birth", "submitted_at"], name="inquiry_repeat"),
        ]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name} ({self.get_status_display()})"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def reason_labels(self) -> list[str]:
        return [_HELP_REASON_LABELS.get(reason, reason) for reason in self.reasons]

    @property
    def mentions_suicidal_thoughts(self) -> bool:
        return HelpReason.SUICIDAL_THOUGHTS in self.reasons

    @property
    def reason_items(self) -> list[tuple[str, bool]]:
        return reason_items(self.reasons)

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def age_years(self) -> int:
        return age_on(self.date_of_birth, timezone.now().astimezone(self.zone).date())

    @property
    def preferred_windows(self) -> "list[PreferredWindow] | list[ListedWindow]":
        """The windows, earliest first: as a list read them (inquiries.selectors._attach_windows: one query of
        two times per window, no prefetch machinery and no model per window: issue 19), else through the relation."""
        listed = getattr(self, LISTED_WINDOWS, None)
        return list(self.windows.all()) if listed is None else listed

    @property
    def window_labels(self) -> list[str]:
        """The windows as the location's clock shows them."""
        return [format_window(window.starts_at, window.ends_at, self.zone) for window in self.preferred_windows]


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
