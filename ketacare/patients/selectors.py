"""Access-checked reads of patient records. Every read of a chart is audited.

Rules, one per line so each is tested:
- a patient sees only their own record;
- staff see only their own organisation's patients, and only with the role
  matrix's permission;
- anyone else sees nothing (404, so record numbers do not leak).

A patient's access history (who read or changed the record, from the audit trail) is read here
too: clinic admins only (AUDIT_VIEW, the CSV export AUDIT_EXPORT), and reading it is audited.
"""

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Func, Q, QuerySet
from django.db.models.lookups import StartsWith
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.models import Location
from ketacare.lib.csv_cells import csv_safe
from ketacare.patients.domain.names import search_key
from ketacare.patients.domain.records import record_number_from_query
from ketacare.patients.models import Allergy, Diagnosis, Medication, Patient, WeightMeasurement

SEARCH_LIMIT = 50
# Longer input is not a name, date or record number; the cap bounds the query built from it.
SEARCH_MAX_CHARS = 100
SEARCH_MAX_WORDS = 4
NAME_ORDER = ("last_name_key", "first_name_key", "id")
# A one- or two-letter name prefix matches a good share of the registry: reading
# the name index in order and stopping at SEARCH_LIMIT beats sorting the matches.
SHORT_PREFIX = 3
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _visible_patients(user) -> QuerySet[Patient]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return Patient.objects.none()
    if user.may(Permission.OWN_RECORD_VIEW):
        return Patient.objects.filter(user=user)
    if user.may(Permission.PATIENT_VIEW) and user.organisation_id is not None:
        return Patient.objects.filter(organisation_id=user.organisation_id)
    return Patient.objects.none()


def access_patient_by_id(user, patient_id: int, *, audit: bool = True) -> Patient:
    """The patient's record if `user` may see it (audited as a view); 404 otherwise."""
    patient = (
        _visible_patients(user).select_related("organisation", "home_location", "user").filter(pk=patient_id).first()
    )
    if patient is None:
        raise Http404("No such patient")
    if audit:
        record_event(user, AuditAction.VIEW, patient, patient=patient)
    return patient


@dataclass(frozen=True)
class PatientChart:
    """A patient's record with its clinical lists, loaded in one query per list."""

    patient: Patient
    diagnoses: list[Diagnosis]
    allergies: list[Allergy]
    medications: list[Medication]
    weights: list[WeightMeasurement]  # newest first
    # The consultation requests this patient came from (inquiries.Inquiry, read through the
    # reverse relation: inquiries stands on patients, not the other way round).
    inquiries: list


def _load_chart(patient: Patient) -> PatientChart:
    return PatientChart(
        patient=patient,
        diagnoses=list(patient.diagnoses.select_related("recorded_by")),
        allergies=list(patient.allergies.select_related("recorded_by")),
        medications=list(patient.medications.select_related("recorded_by")),
        weights=list(patient.weights.select_related("recorded_by").order_by("-measured_on", "-recorded_at")),
        inquiries=list(patient.inquiries.select_related("preferred_location").order_by("-submitted_at")),
    )


def access_chart_by_patient_id(user, patient_id: int) -> PatientChart:
    """The whole record for the chart page or the API (audited as one view); 404 if not visible."""
    return _load_chart(access_patient_by_id(user, patient_id))


def access_export_by_patient_id(user, patient_id: int) -> PatientChart:
    """The whole record for a download, audited as an export rather than a view."""
    require_permission(user, Permission.PATIENT_EXPORT)
    patient = access_patient_by_id(user, patient_id, audit=False)
    record_event(user, AuditAction.EXPORT, patient, patient=patient, detail={"format": "json"})
    return _load_chart(patient)


def search_patients(user, query: str = "", *, limit: int = SEARCH_LIMIT) -> list[Patient]:
    """Staff search by name prefix, date of birth (YYYY-MM-DD) or record number ("123" = KC-000123).

    One query for the rows plus one audit entry for the search, however many
    patients there are (indexed prefix lookups; see Patient.Meta.indexes).
    """
    if not user.may(Permission.PATIENT_LIST):
        raise PermissionDenied("Your role may not list patients.")
    patients = _visible_patients(user).select_related("home_location")
    # NUL is never part of a name or number, and PostgreSQL refuses it in text.
    query = query.replace("\x00", "").strip()[:SEARCH_MAX_CHARS]
    order_by = NAME_ORDER
    if query:
        condition, narrow = _search_filter(query)
        patients = patients.filter(condition)
        if narrow:
            order_by = (_Unindexed(F("last_name_key")), _Unindexed(F("first_name_key")), "id")
    results = list(patients.order_by(*order_by)[:limit])
    record_event(
        user,
        AuditAction.LIST,
        object_type="patients.patient",
        organisation=user.organisation,
        detail={"query": query, "results": len(results)},
    )
    return results


class _Unindexed(Func):
    """The column as it is, written `+column` on SQLite so no index can supply its order.

    Without ANALYZE statistics (a fresh SQLite file has none) SQLite satisfies
    ORDER BY name ... LIMIT by walking the whole organisation's name index, even
    when the date-of-birth or a prefix range would find a handful of rows. For
    narrow searches the order is taken away from the index, so the selective
    index is used and only the matches are sorted. PostgreSQL plans by its own
    statistics and gets the plain column.
    """

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)


class _KeyStartsWith(StartsWith):
    """A prefix match on a search key that a plain B-tree index serves on both databases.

    PostgreSQL runs LIKE 'abc%' on the varchar_pattern_ops indexes. SQLite's
    LIKE is case-insensitive, so it never uses an ordinary (BINARY) index;
    GLOB is case-sensitive and does, and the keys are already case-folded.
    """

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} GLOB %s", [*lhs_params, _glob_literal(self.rhs) + "*"]


def _glob_literal(text: str) -> str:
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in text)


def _prefix(field: str, text: str) -> Q:
    return Q(_KeyStartsWith(F(field), text))


def _search_filter(query: str) -> tuple[Q, bool]:
    """The condition for a typed query, and whether it finds few rows (see _Unindexed)."""
    if _ISO_DATE.match(query):
        try:
            return Q(date_of_birth=dt.date.fromisoformat(query)), True
        except ValueError:
            return Q(pk__in=[]), True
    if any(ch.isdigit() for ch in query):
        return Q(record_number=record_number_from_query(query)), True
    words = search_key(query).split()[:SEARCH_MAX_WORDS]
    if not words:
        return Q(pk__in=[]), True
    if len(words) == 1:
        word = words[0]
        return _prefix("last_name_key", word) | _prefix("first_name_key", word), len(word) >= SHORT_PREFIX
    # Every split of the words into first and last name, in either order:
    # "Jane Doe", "Doe Jane", "Mary Ann Smith", "Jane van der Berg".
    condition = Q()
    for split in range(1, len(words)):
        head, tail = " ".join(words[:split]), " ".join(words[split:])
        condition |= _prefix("first_name_key", head) & _prefix("last_name_key", tail)
        condition |= _prefix("last_name_key", head) & _prefix("first_name_key", tail)
    return condition, True


# ---------------------------------------------------------------- access history (from the audit trail)

# Reads of the audit trail are recorded against this object type.
AUDIT_OBJECT_TYPE = "audit.auditentry"
# Entries per page of an audit listing (a patient's history here, the organisation's in reports).
AUDIT_PAGE_SIZE = 50

DISCLOSURE_COLUMNS = (
    "sequence",
    "occurred_at_utc",
    "actor_username",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "source_address",
)


@dataclass(frozen=True)
class DisplayZone:
    """Where audit times are shown and date filters are read: the organisation's first location."""

    zone: dt.tzinfo
    location_name: str

    @property
    def label(self) -> str:
        if not self.location_name:
            return "UTC"
        return f"{self.zone} (time zone of {self.location_name})"


@dataclass(frozen=True)
class AuditListing:
    entries: QuerySet[AuditEntry]
    display: DisplayZone
    patient: Patient | None = None


@dataclass(frozen=True)
class DisclosureReport:
    patient: Patient
    header: tuple[str, ...]
    rows: list[list[str]]


def display_zone(user) -> DisplayZone:
    """The organisation's first location (active ones first, by name); UTC without one."""
    location = (
        Location.objects.filter(organisation_id=user.organisation_id)
        .order_by("-is_active", "name", "pk")
        .only("name", "time_zone")
        .first()
    )
    if location is None:
        return DisplayZone(dt.UTC, "")
    return DisplayZone(zoneinfo.ZoneInfo(location.time_zone), location.name)


def entries_for_display(entries: QuerySet[AuditEntry], before: AuditEntry) -> QuerySet[AuditEntry]:
    """`entries` written before `before` (the listing's own audit entry, so a page never lists
    itself), newest first, with their actor and patient."""
    return (
        entries.filter(sequence__lt=before.sequence)
        .select_related("actor", "patient")
        .order_by("-occurred_at", "-sequence")
    )


def access_patient_audit_entries(user, patient_id: int) -> AuditListing:
    """Every entry about one patient of the admin's organisation, newest first (audited as a view)."""
    require_permission(user, Permission.AUDIT_VIEW)
    patient = access_patient_by_id(user, patient_id, audit=False)
    read = record_event(
        user,
        AuditAction.VIEW,
        object_type=AUDIT_OBJECT_TYPE,
        patient=patient,
        detail={"report": "patient_access_history"},
    )
    entries = AuditEntry.objects.filter(patient=patient)
    return AuditListing(entries_for_display(entries, read), display_zone(user), patient)


def _disclosure_row(entry: AuditEntry) -> list[str]:
    return [
        str(entry.sequence),
        entry.occurred_at.astimezone(dt.UTC).isoformat(),
        csv_safe(entry.actor_username),
        csv_safe(entry.actor.role if entry.actor else ""),
        csv_safe(entry.action),
        csv_safe(entry.object_type),
        csv_safe(entry.object_id),
        entry.source_address or "",
    ]


@transaction.atomic
def export_patient_disclosures(user, patient_id: int) -> DisclosureReport:
    """One patient's access report (HIPAA accounting of disclosures), oldest first; audited as an export."""
    require_permission(user, Permission.AUDIT_EXPORT)
    patient = access_patient_by_id(user, patient_id, audit=False)
    entries = AuditEntry.objects.filter(patient=patient).select_related("actor").order_by("sequence")
    rows = [_disclosure_row(entry) for entry in entries]
    record_event(
        user,
        AuditAction.EXPORT,
        object_type=AUDIT_OBJECT_TYPE,
        patient=patient,
        detail={"report": "accounting_of_disclosures", "format": "csv", "rows": len(rows)},
    )
    return DisclosureReport(patient, DISCLOSURE_COLUMNS, rows)
