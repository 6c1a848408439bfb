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
