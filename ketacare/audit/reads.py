"""One audited read of a patient's record by id: the shape every note- and letter-like selector shares."""

from typing import TypeVar

from django.db.models import Model, QuerySet
from django.http import Http404

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.ids import db_id_or_zero

RecordT = TypeVar("RecordT", bound=Model)


def audited_record_by_id(
    user,
    visible: QuerySet[RecordT],
    record_id: int,
    *,
    missing: str,
    audit: bool = True,
    for_update: bool = False,
    export: str = "",
) -> RecordT:
    """The record among those `visible` to `user`, else 404 (`missing`): audited as a view, or as an export
    when `export` names the format; `for_update` locks only the record's own row. The record has a `patient`."""
    if for_update:
        visible = visible.select_for_update(of=("self",))
    record = visible.filter(pk=db_id_or_zero(record_id)).first()
    if record is None:
        raise Http404(missing)
    if export:
        record_event(user, AuditAction.EXPORT, record, patient=record.patient, detail={"format": export})
    elif audit:
        record_event(user, AuditAction.VIEW, record, patient=record.patient)
    return record
