"""Read-only audit trail API for clinic admins (mounted at /api/v1/audit): the organisation's entries
and one patient's access history."""

import datetime as dt
from typing import Any

from ninja import Field, Query, Router, Schema
from ninja.pagination import LimitOffsetPagination, paginate

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.patients.selectors import access_patient_audit_entries
from ketacare.reports.selectors.audit_trail import AuditFilters, access_audit_entries

router = Router(tags=["audit"])

MAX_PAGE_SIZE = 500


class AuditPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: int = Field(100, ge=1, le=MAX_PAGE_SIZE)
        # Bounded so OFFSET stays a 64-bit integer, which is all SQLite and PostgreSQL accept.
        offset: int = Field(0, ge=0, le=2**62)


class AuditEntryOut(Schema):
    sequence: int
    occurred_at: dt.datetime = Field(description="UTC")
    actor_username: str
    actor_role: str = Field(description="The actor's role now; empty for failed sign-ins")
    action: AuditAction
    object_type: str
    object_id: str
    patient_id: int | None
    patient_record_number: str
    source_address: str | None
    detail: dict[str, Any]

    @staticmethod
    def resolve_actor_role(entry: AuditEntry) -> str:
        return entry.actor.role if entry.actor else ""

    @staticmethod
    def resolve_patient_record_number(entry: AuditEntry) -> str:
        return entry.patient.record_number if entry.patient else ""


class AuditFilterQuery(Schema):
    action: AuditAction | None = None
    actor: str = Field("", max_length=150, description="User name contains")
    record_number: str = Field("", max_length=20, description="Patient record number (exact)")
    object_type: str = Field("", max_length=60, description="Object type contains, e.g. patients.patient")
    date_from: dt.date | None = Field(None, description="First day, in the organisation's first location's time zone")
    date_to: dt.date | None = Field(None, description="Last day (inclusive), same time zone")

    def filters(self) -> AuditFilters:
        return AuditFilters(
            action=self.action or "",
            actor=self.actor.strip(),
            record_number=self.record_number.strip(),
            object_type=self.object_type.strip(),
            date_from=self.date_from,
            date_to=self.date_to,
        )


ERRORS = {401: ErrorOut, 403: ErrorOut, 422: ValidationErrorOut}


@router.get(
    "/entries",
    response={200: list[AuditEntryOut], **ERRORS},
    summary="The organisation's audit entries, newest first",
)
@paginate(AuditPagination)
def list_entries(request, filters: Query[AuditFilterQuery]):
    return access_audit_entries(request.auth, filters.filters()).entries


@router.get(
    "/patients/{patient_id}/entries",
    response={200: list[AuditEntryOut], 404: ErrorOut, **ERRORS},
    summary="One patient's access history, newest first",
)
@paginate(AuditPagination)
def list_patient_entries(request, patient_id: int):
    return access_patient_audit_entries(request.auth, patient_id).entries
