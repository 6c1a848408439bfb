"""Every row that points at a patient record, found without knowing the apps that hold them.

The registry stands on floor 5 and may not import the apps above it, which hold most of a patient's
history (plans, appointments, sessions, questionnaires, notes). Merging two records therefore walks
Patient's reverse relations (foreign keys and one-to-ones, hidden ones included) and moves the rows
it finds. Append-only tables (lib/append_only.py's registry: the audit trail, the ledger) are left as
they are: they keep history as it was written, under the record it was written for.
"""

from dataclasses import dataclass

from django.apps import apps
from django.db import IntegrityError, models, transaction

from ketacare.lib.append_only import registered_tables
from ketacare.patients.models import Patient

# detail["change"] of the audit entries a merge and its undoing write (patients/actions.py).
MERGE, UNMERGE = "merge", "unmerge"


@dataclass(frozen=True)
class PatientRelation:
    """A foreign key (or one-to-one) of `model` to Patient."""

    model: type[models.Model]
    field: models.ForeignKey

    @property
    def model_label(self) -> str:
        return self.model._meta.label_lower

    @property
    def title(self) -> str:
        return str(self.model._meta.verbose_name_plural).capitalize()

    def rows_of(self, patient_id: int) -> models.QuerySet:
        # The base manager: a model's default manager may hide rows (or refuse updates).
        return self.model._base_manager.filter(**{self.field.attname: patient_id})

    def unique_sets(self) -> list[tuple[list[str], models.Q | None]]:
        """The unique rules that include this field: (the other fields of the rule, its condition)."""
        names = {self.field.name, self.field.attname}
        rules: list[tuple[list[str], models.Q | None]] = []
        if self.field.unique:
            rules.append(([], None))
        for together in self.model._meta.unique_together:
            if names & set(together):
                rules.append(([name for name in together if name not in names], None))
        for constraint in self.model._meta.constraints:
            fields = getattr(constraint, "fields", ())
            if isinstance(constraint, models.UniqueConstraint) and names & set(fields):
                rules.append(([name for name in fields if name not in names], constraint.condition))
        return rules


def patient_relations() -> list[PatientRelation]:
    """The relations whose rows follow a merge, in a stable order."""
    append_only = {table.table for table in registered_tables()}
    relations = [
        PatientRelation(field.related_model, field.field)
        for field in Patient._meta.get_fields(include_hidden=True)
        if field.auto_created
        and not field.concrete
        and (field.one_to_many or field.one_to_one)
        # The merge link itself stays: a record merged into the duplicate keeps pointing at it.
        and field.related_model is not Patient
        and field.related_model._meta.db_table not in append_only
    ]
    return sorted(relations, key=lambda relation: (relation.model_label, relation.field.name))


def row_counts(patient_id: int) -> list[tuple[str, int]]:
    """(relation title, rows) for each relation where the record has rows: what a merge would move."""
    counts = [(relation.title, relation.rows_of(patient_id).count()) for relation in patient_relations()]
    return [(title, count) for title, count in counts if count]


def append_only_labels() -> list[str]:
    """The append-only models that refer to patients (left as they are by a merge), for the docs and pages."""
    append_only = {table.table for table in registered_tables()}
    return sorted(
        field.related_model._meta.label_lower
        for field in Patient._meta.get_fields(include_hidden=True)
        if field.auto_created and not field.concrete and field.related_model._meta.db_table in append_only
    )


def merge_conflicts(duplicate_id: int, survivor_id: int) -> list[str]:
    """What moving the duplicate's rows to the survivor would break: one line per unique rule that
    both records' rows would then share (a one-to-one both have, one active REMS enrollment each, ...)."""
    conflicts = []
    for relation in patient_relations():
        moving = relation.rows_of(duplicate_id)
        for other_fields, condition in relation.unique_sets():
            rows = moving.filter(condition) if condition is not None else moving
            shared = rows.values(*other_fields).order_by().distinct() if other_fields else [{}] if rows.exists() else []
            for values in shared:
                if any(value is None for value in values.values()):
                    continue  # NULLs never collide in a unique rule
                staying = relation.rows_of(survivor_id).filter(**values)
                if condition is not None:
                    staying = staying.filter(condition)
                if staying.exists():
                    what = ", ".join(f"{name} {value}" for name, value in values.items())
                    conflicts.append(
                        f"{relation.title} ({relation.model_label}): both records have one"
                        + (f" with {what}" if what else "")
                        + " and only one is allowed"
                    )
                    break
    return conflicts


class RowsRefused(Exception):
    """The database refused moving the rows of one relation (a rule the models do not declare)."""

    def __init__(self, relation_title: str):
        super().__init__(relation_title)
        self.relation_title = relation_title


def move_rows(from_id: int, to_id: int) -> list[dict]:
    """Point every row of `from_id` at `to_id` (inside the caller's transaction, with both patient rows
    locked): [{"model": label, "field": name, "ids": [...]}, ...] for each relation with rows."""
    moved = []
    for relation in patient_relations():
        ids = sorted(relation.rows_of(from_id).values_list("pk", flat=True))
        if not ids:
            continue
        _update(relation, relation.model._base_manager.filter(pk__in=ids), to_id)
        moved.append({"model": relation.model_label, "field": relation.field.name, "ids": ids})
    return moved


@dataclass(frozen=True)
class MovedBack:
    ids: list
    missing: list  # rows gone since the merge (derived rows a later action rebuilt)


def check_moved_rows(moved: list[dict], survivor_id: int) -> list[str]:
    """Rows listed by a merge that no longer belong to the survivor (they would not come back exactly)."""
    problems = []
    for item in moved:
        relation = _relation(item)
        elsewhere = list(
            relation.model._base_manager.filter(pk__in=item["ids"])
            .exclude(**{relation.field.attname: survivor_id})
            .values_list("pk", flat=True)
        )
        if elsewhere:
            problems.append(f"{relation.title} {', '.join(map(str, sorted(elsewhere)))} moved on since the merge")
    return problems


def move_rows_back(moved: list[dict], survivor_id: int, duplicate_id: int) -> dict[str, MovedBack]:
    """Move exactly the rows a merge listed from the survivor back to the duplicate."""
    result = {}
    for item in moved:
        relation = _relation(item)
        rows = relation.model._base_manager.filter(pk__in=item["ids"], **{relation.field.attname: survivor_id})
        present = set(rows.values_list("pk", flat=True))
        _update(relation, rows, duplicate_id)
        key = f"{relation.model_label}.{relation.field.name}"
        result[key] = MovedBack(sorted(present), sorted(set(item["ids"]) - present))
    return result


def _relation(item: dict) -> PatientRelation:
    model = apps.get_model(item["model"])
    return PatientRelation(model, model._meta.get_field(item["field"]))


def _update(relation: PatientRelation, rows: models.QuerySet, to_id: int) -> None:
    try:
        with transaction.atomic():  # a savepoint, so the refusal names the relation and the caller rolls back
            rows.update(**{relation.field.attname: to_id})
    except IntegrityError as exc:
        raise RowsRefused(relation.title) from exc
