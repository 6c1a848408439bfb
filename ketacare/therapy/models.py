"""Integration-therapy notes: structured progress notes (part of the chart) and psychotherapy
notes (kept apart: their own table, pages and API, readable by their author and the treating
prescriber only; never exported or shown in the portal). Signed notes are locked; corrections
are addenda."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ketacare.therapy.domain.notes import RiskCheck

USER = settings.AUTH_USER_MODEL


class LockedNoteError(RuntimeError):
    """A write to a signed note; write an addendum instead."""


class NoteStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    SIGNED = "signed", "Signed"


class _LockedWhenSigned(models.Model):
    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding and type(self).objects.filter(pk=self.pk, status=NoteStatus.SIGNED).exists():
            raise LockedNoteError("A signed note is locked; write an addendum instead")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedNoteError("Notes are never deleted")

    @property
    def is_locked(self) -> bool:
        return self.status == NoteStatus.SIGNED


class ProgressNote(_LockedWhenSigned):
    """One integration-therapy session and its structured note, linked to the course."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="therapy_notes")
    plan = models.ForeignKey(
        "protocols.TreatmentPlan", on_delete=models.PROTECT, null=True, blank=True, related_name="therapy_notes"
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="therapy_notes"
    )
    therapist = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    session_at = models.DateTimeField()
    duration_minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(480)])
    themes = models.TextField(blank=True)
    goals = models.TextField(blank=True)
    practices = models.TextField(blank=True, verbose_name="practices between sessions")
    risk_check = models.CharField(
        max_length=30, blank=True, choices=[(check.value, check.label) for check in RiskCheck]
    )
    risk_note = models.TextField(blank=True)
    status = models.CharField(max_length=10, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-session_at", "-id"]
        indexes = [models.Index(fields=["patient", "session_at"], name="therapy_note_patient_time")]

    def __str__(self) -> str:
        return f"Integration session {self.session_at:%Y-%m-%d}"


class PsychotherapyNote(_LockedWhenSigned):
    """A therapist's own notes on a session (HIPAA psychotherapy notes, 45 CFR 164.501)."""

    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    progress_note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    text = models.TextField()
    status = models.CharField(max_length=10, choices=NoteStatus.choices, default=NoteStatus.DRAFT)
    signed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Psychotherapy note {self.pk}"


class _Addendum(models.Model):
    text = models.TextField()
    written_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    written_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["written_at", "id"]

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise LockedNoteError("An addendum is never changed; write another")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise LockedNoteError("Addenda are never deleted")


class ProgressNoteAddendum(_Addendum):
    note = models.ForeignKey(ProgressNote, on_delete=models.PROTECT, related_name="addenda")

    class Meta(_Addendum.Meta):
        verbose_name_plural = "progress note addenda"


class PsychotherapyNoteAddendum(_Addendum):
    note = models.ForeignKey(PsychotherapyNote, on_delete=models.PROTECT, related_name="addenda")

    class Meta(_Addendum.Meta):
        verbose_name_plural = "psychotherapy note addenda"
