"""The database half of the lock on signed notes (consultation notes here; referral letters in
reports use the same `SignedRowLock`).

- Addenda are append-only: lib/append_only.py's triggers refuse UPDATE, DELETE and TRUNCATE; the
  table is registered in ConsultationsConfig.ready() so `ketacare flush` lifts them.
- A signed note refuses an UPDATE that changes what was signed (its text, status, signer, time).
  Only those columns: merging a duplicate patient record (patients/relations.py) moves the row to
  the surviving record, which is not a change of the note. Deletion is refused by the model, and
  the addenda's PROTECT foreign key keeps a signed note with addenda in place.
"""

import re
from dataclasses import dataclass

from django.db.backends.base.base import BaseDatabaseWrapper

from ketacare.lib.append_only import AppendOnlyTable

_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]*")

CONSULTATION_ADDENDA = AppendOnlyTable(
    table="consultations_consultationnoteaddendum",
    trigger_prefix="consultation_addendum",
    message="consultation note addenda are append-only",
)


@dataclass(frozen=True)
class SignedRowLock:
    """A trigger that refuses changing `columns` of a row whose `status` was 'signed'."""

    table: str
    trigger: str
    columns: tuple[str, ...]

    def __post_init__(self) -> None:
        for name in (self.table, self.trigger, *self.columns):
            if not _IDENTIFIER.fullmatch(name):
                raise ValueError(f"{name!r} is not a lower-case SQL identifier")

    def install_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in self.columns)
            return [
                f"CREATE OR REPLACE FUNCTION {self.trigger}() RETURNS trigger AS $$ BEGIN "
                f"IF OLD.status = 'signed' AND ({changed}) THEN RAISE EXCEPTION 'a signed record is locked'; "
                "END IF; RETURN NEW; END; $$ LANGUAGE plpgsql;",
                f"CREATE OR REPLACE TRIGGER {self.trigger} BEFORE UPDATE ON {self.table} "
                f"FOR EACH ROW EXECUTE FUNCTION {self.trigger}();",
            ]
        if vendor != "sqlite":
            raise ValueError(f"signed-row lock for {vendor!r}: only SQLite and PostgreSQL are supported")
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in self.columns)
        return [
            f"CREATE TRIGGER IF NOT EXISTS {self.trigger} BEFORE UPDATE ON {self.table} "
            f"WHEN OLD.status = 'signed' AND ({changed}) "
            "BEGIN SELECT RAISE(ABORT, 'a signed record is locked'); END;"
        ]

    def remove_sql(self, vendor: str) -> list[str]:
        if vendor == "postgresql":
            return [
                f"DROP TRIGGER IF EXISTS {self.trigger} ON {self.table};",
                f"DROP FUNCTION IF EXISTS {self.trigger}();",
            ]
        return [f"DROP TRIGGER IF EXISTS {self.trigger};"]

    def install(self, connection: BaseDatabaseWrapper) -> None:
        with connection.cursor() as cursor:
            for statement in self.install_sql(connection.vendor):
                cursor.execute(statement)

    def remove(self, connection: BaseDatabaseWrapper) -> None:
        with connection.cursor() as cursor:
            for statement in self.remove_sql(connection.vendor):
                cursor.execute(statement)


SIGNED_NOTES = SignedRowLock(
    table="consultations_consultationnote",
    trigger="consultation_note_signed_locked",
    columns=(
        "history_of_present_illness",
        "psychiatric_history",
        "medical_history",
        "mental_status_exam",
        "risk_assessment",
        "assessment_and_plan",
        "consent_discussion",
        "status",
        "signed_by_id",
        "signed_at",
        "attached_facts",
    ),
)
