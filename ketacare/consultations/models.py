"""The prescriber's psychiatric consultation for ketamine treatment: a structured note, written as a
draft, signed by its author (a prescriber) and locked from then on; corrections are addenda.

Locked three ways, as the treatment session record is: the model refuses to save a signed note or to
delete any note; addenda refuse change and deletion; and the database refuses the same writes through
triggers (consultations/guard.py), so a bulk update or a shell session cannot rewrite a signed note.
"""

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL


class LockedConsultationNoteError(RuntimeError):
    """A write to a signed consultation note; write an addendum instead."""


class ConsultationNoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


# The note's sections, in the order they are written and printed: (field, heading).
NOTE_SECTIONS = (
    ("history_of_present_illness", "History of present illness"),
    ("psychiatric_history", "Psychiatric history"),
    ("medical_history", "Medical history"),
    ("mental_status_exam", "Mental status examination"),
    ("risk_assessment", "Risk assessment"),
    ("assessment_and_plan", "Assessment and plan"),
    ("consent_discussion", "Consent discussion"),
)
NOTE_TEXT_FIELDS = tuple(name for name, _ in NOTE_SECTIONS)


class ConsultationNote(models.Model):
    """One psychiatric evaluation of a patient for ketamine or esketamine treatment.

    `attached_facts` is empty for a draft (the page shows the chart's current facts); signing
    copies in what the prescriber signed against: the latest C-SSRS and PHQ-9 item 9 with their
    dates, and the candidacy evaluation and decisions (consultations/selectors.py).
    """

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="consultation_notes")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    history_of_present_illness = models.TextField(blank=True)
    psychiatric_history = models.TextField(blank=True)
    medical_history = models.TextField(blank=True)
    mental_status_exam = models.TextField(blank=True, verbose_name="mental status examination")
    risk_assessment = models.TextField(blank=True)
    assessment_and_plan = models.TextField(blank=True)
    consent_discussion = models.TextField(blank=True)
    status = models.CharField(
        max_length=10, choices=ConsultationNoteStatus.choices, default=ConsultationNoteStatus.DRAFT
    )
    signed_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    signed_at = models.DateTimeField(null=True, blank=True)
    attached_facts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "created_at"], name="consultation_patient_time")]

    def __str__(self) -> str:
        return f"Consultation note {self.pk}"

    def save(self, *args, **kwargs):
        if (
            not self._state.adding
            and type(self)._base_manager.filter(pk=self.pk, status=ConsultationNoteStatus.SIGNED).exists()
        ):
            raise LockedConsultationNoteError("A signed consultation note is locked; write an addendum instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedConsultationNoteError("Consultation notes are never deleted")

    @property
    def is_locked(self) -> bool:
        return self.status == ConsultationNoteStatus.SIGNED

    @property
    def sections(self) -> list[tuple[str, str]]:
        """(heading, text) of each section, in order."""
        return [(heading, getattr(self, name)) for name, heading in NOTE_SECTIONS]


class ConsultationNoteAddendum(models.Model):
    """A correction or addition to a signed note: the only write a signed note takes."""

    note = models.ForeignKey(ConsultationNote, on_delete=models.PROTECT, related_name="addenda")
    text = models.TextField()
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["written_at", "id"]
        verbose_name_plural = "consultation note addenda"

    def __str__(self) -> str:
        return f"Addendum {self.pk} to consultation note {self.note_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LockedConsultationNoteError("An addendum is never changed; write another")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedConsultationNoteError("Addenda are never deleted")
