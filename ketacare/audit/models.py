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
    database user never needs those rights on this table. Entries form one signed hash chain per
    organisation (entries with no organisation: one more chain), `sequence` counting within it
    (audit/domain/chain.py, docs/security.md), checked by `ketacare audit verify`.
    """

    sequence = models.BigIntegerField(help_text="Position in its organisation's chain, from 1")
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
    # HMAC-SHA256 of entry_hash under the key `key_id` (settings.CHAIN_KEYRING), which the database does not hold.
    key_id = models.CharField(max_length=32)
    signature = models.CharField(max_length=64)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        ordering = ["-sequence"]
        indexes = [
            models.Index(fields=["patient", "occurred_at"], name="audit_patient_time"),
            models.Index(fields=["organisation", "occurred_at"], name="audit_org_time"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "sequence"],
                condition=models.Q(organisation__isnull=False),
                name="audit_entry_unique_org_sequence",
            ),
            models.UniqueConstraint(
                fields=["sequence"],
                condition=models.Q(organisation__isnull=True),
                name="audit_entry_unique_unowned_sequence",
            ),
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
        return hashed_content(self)

    def as_chain_entry(self) -> ChainEntry:
        return ChainEntry(
            self.sequence, self.hashed_content(), self.previous_hash, self.entry_hash, self.key_id, self.signature
        )


class AuditChainHead(models.Model):
    """The newest entry of one audit chain: its sequence and hash, one row per chain.

    An append advances this row and inserts its entries in one statement (audit/appending.py), so
    nothing reads the entries to find the chain's end, and the row's lock is the chain's lock. The
    entries stay the record: `ketacare audit verify` never trusts this row, and an append whose
    row ran ahead of or behind the entries leaves a gap or hits the unique sequence, both refused
    or reported.
    """

    # The organisation's id, 0 for the chain of entries without one: a plain key, not a foreign key,
    # so the unowned chain has a row like the others and the append finds it by primary key.
    chain = models.BigIntegerField(primary_key=True)
    sequence = models.BigIntegerField(help_text="The newest entry's sequence (0: no entry yet)")
    entry_hash = models.CharField(max_length=64, help_text="The newest entry's hash (the genesis hash: none yet)")

    def __str__(self) -> str:
        return f"chain {self.chain} at #{self.sequence}"


def hashed_content(entry) -> dict:
    """The fields an entry's hash covers, in a form that survives a database round trip (a function
    of the fields only, so the migration that re-chains stored entries computes the same)."""
    return {
        "sequence": entry.sequence,
        "occurred_at": entry.occurred_at.isoformat(timespec="microseconds"),
        "actor_id": entry.actor_id,
        "actor_username": entry.actor_username,
        "organisation_id": entry.organisation_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "patient_id": entry.patient_id,
        "source_address": entry.source_address,
        "detail": entry.detail,
    }
