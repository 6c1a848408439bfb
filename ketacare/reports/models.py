"""Referral letters: a letter to the patient's referring clinician, drafted from the organisation's
letter template and the progress summary's facts, edited, signed by a prescriber and then locked
(the model refuses, and the database refuses through consultations/guard.py's SignedRowLock).

The letterhead is copied in when the letter is written, so a signed letter prints as it was signed
even after the clinic moves or changes its number.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from ketacare.reports.domain.letters import DEFAULT_LETTER_BODY, PLACEHOLDERS, unknown_placeholders

USER = settings.AUTH_USER_MODEL


class LockedLetterError(RuntimeError):
    """A write to a signed referral letter."""


class LetterStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class ReferralLetter(models.Model):
    """One letter about one patient to their referring clinician."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="referral_letters")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    letterhead_name = models.CharField(max_length=200)
    letterhead_address = models.TextField(blank=True)
    letterhead_phone = models.CharField(max_length=32, blank=True)
    recipient_name = models.CharField(max_length=200)
    recipient_address = models.TextField(blank=True)
    body = models.TextField()
    status = models.CharField(max_length=10, choices=LetterStatus.choices, default=LetterStatus.DRAFT)
    signed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Referral letter {self.pk}"

    def save(self, *args, **kwargs):
        if not self._state.adding and type(self)._base_manager.filter(pk=self.pk, status=LetterStatus.SIGNED).exists():
            raise LockedLetterError("A signed letter is locked")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedLetterError("Referral letters are never deleted")

    @property
    def is_locked(self) -> bool:
        return self.status == LetterStatus.SIGNED


class ReferralLetterSettings(models.Model):
    """An organisation's letter template (absent: the built-in example, DEFAULT_LETTER_BODY)."""

    organisation = models.OneToOneField("clinics.Organisation", on_delete=models.CASCADE, related_name="+")
    body_template = models.TextField(
        default=DEFAULT_LETTER_BODY,
        help_text="Placeholders in braces are filled in: " + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
    )

    class Meta:
        verbose_name_plural = "referral letter settings"

    def __str__(self) -> str:
        return f"Referral letter settings of organisation {self.organisation_id}"

    def clean(self) -> None:
        unknown = unknown_placeholders(self.body_template)
        if unknown:
            raise ValidationError(
                {
                    "body_template": "Unknown placeholder(s): "
                    + ", ".join(f"{{{name}}}" for name in unknown)
                    + ". Use: "
                    + ", ".join(f"{{{name}}}" for name in PLACEHOLDERS)
                    + "."
                }
            )


class OutcomeCount(models.Model):
    """The outcome dashboard's pre-aggregated counts, so a request reads a bounded number of rows
    whatever the number of patients (bench/outcomes_dashboard.py, bench/scale.py).

    A group is (organisation, instrument, protocol of the first started plan, home location).
    `follow_up_window` 0 counts the group's patients with a baseline; window n (1, 2, ...) counts, among
    those, the patients with a score in follow-up window n (domain/dashboard.py FOLLOW_UP_WINDOWS),
    per follow-up total and response. Remitters are then the sum over totals at or below the
    clinic's threshold, so a changed threshold (MeasurementSettings) needs no recount.

    Kept by reports.actions alongside OutcomeSummary, from the contributions in CountedOutcome;
    `ketacare rebuild_outcomes` recounts them from scratch.
    """

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.CASCADE, related_name="+")
    instrument = models.CharField(max_length=20)
    protocol_code = models.CharField(max_length=60)
    location_id = models.BigIntegerField(help_text="The patients' home location; 0 for none.")
    follow_up_window = models.PositiveSmallIntegerField(help_text="0: patients with a baseline; n: follow-up window n.")
    follow_up_total = models.SmallIntegerField(help_text="0 on window 0.")
    responder = models.BooleanField()
    patients = models.IntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "organisation",
                    "instrument",
                    "protocol_code",
                    "location_id",
                    "follow_up_window",
                    "follow_up_total",
                    "responder",
                ],
                name="outcome_count_key",
            )
        ]

    def __str__(self) -> str:
        return f"Outcome count {self.pk}"


class CountedOutcome(models.Model):
    """How one patient's summary on one instrument is counted in OutcomeCount (group and totals as
    added), so the next refresh takes out exactly what it added, even after the patient's home
    location changed or a merge moved the summary. patient_id is deliberately no foreign key: a
    merge must not move it (the merge re-counts both records instead)."""

    patient_id = models.BigIntegerField()
    instrument = models.CharField(max_length=20)
    organisation_id = models.BigIntegerField()
    protocol_code = models.CharField(max_length=60)
    location_id = models.BigIntegerField()
    baseline_total = models.SmallIntegerField()
    week4_total = models.SmallIntegerField(null=True)
    week8_total = models.SmallIntegerField(null=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["patient_id", "instrument"], name="counted_outcome_key")]

    def __str__(self) -> str:
        return f"Counted outcome {self.pk}"
