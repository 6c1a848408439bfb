from django.conf import settings
from django.db import models

from ketacare.audit.domain.chain import ChainEntry


class AuditAction(models.TextChoices):
    CREATE = "create", "Created"
    UPDATE = "update", "Changed"
    STATUS_CHANGE = "status_change", "Status changed"
    VIEW = "view", "Viewed"
    LIST = "list", "Listed / searched"
    EXPORT = "export", "Exported"
    LOGIN = "login", "Logged in"
    LOGOUT = "logout", "Logged out"
    LOGIN_FAILED = "login_failed", "Failed login"
    SECURITY = "security", "Security setting changed"


class AppendOnlyError(RuntimeError):
    pass


class AuditEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The audit trail is append-only")

    def delete(self):
        raise AppendOnlyError("The audit trail is append-only")


class AuditEntry(models.Model):
    """One audited event: who did what to which record of which patient, from where.

    Append-only: save() refuses to change a stored entry, delete() refuses, and
    database triggers (lib/append_only.py, migrations 0003-0004) refuse UPDATE, DELETE and,
    on PostgreSQL, TRUNCATE, so the app's
    database user never needs those rights on this table. Entries form a hash
    chain (audit/domain/chain.py) checked by `ketacare audit verify`.
    """

    sequence = models.BigIntegerField(unique=True)
    occurred_at = models.DateTimeField(db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # A copy of the username at the time, so the entry reads the same after renames.
    actor_username = models.CharField(max_length=150, blank=True)
    organisation = models.ForeignKey(
        "clinics.Organisation", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=AuditAction.choices, db_index=True)
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    source_address = models.GenericIPAddressField(null=True, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["patient", "occurred_at"], name="audit_patient_time"),
            models.Index(fields=["organisation", "occurred_at"], name="audit_org_time"),
        ]
        verbose_name_plural = "audit entries"

    def __str__(self) -> str:
        return f"#{self.sequence} {self.action} {self.object_type}:{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Audit entries cannot be deleted")

    def hashed_content(self) -> dict:
        """The fields the hash covers, in a form that survives a database round trip."""
        return {
            "sequence": self.sequence,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "actor_id": self.actor_id,
            "actor_username": self.actor_username,
            "organisation_id": self.organisation_id,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "patient_id": self.patient_id,
            "source_address": self.source_address,
            "detail": self.detail,
        }

    def as_chain_entry(self) -> ChainEntry:
        return ChainEntry(self.sequence, self.hashed_content(), self.previous_hash, self.entry_hash)
