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
import functools
import re
import typing
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Func, Q, QuerySet
from django.db.models.functions import Lower
from django.db.models.lookups import Exact, StartsWith
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.models import Location
from ketacare.lib.csv_cells import csv_safe
from ketacare.lib.fixed_reads import FixedRead
from ketacare.lib.ids import db_id_or_zero, is_db_id
from ketacare.lib.phones import normalise_phone
from ketacare.lib.zones import zone_of_user
from ketacare.patients.domain.names import search_key
from ketacare.patients.domain.records import record_number_from_query
from ketacare.patients.models import Allergy, Diagnosis, Medication, Patient, WeightMeasurement
from ketacare.patients.relations import MERGE, append_only_labels, row_counts

SEARCH_LIMIT = 50
# Longer input is not a name, date or record number; the cap bounds the query built from it.
SEARCH_MAX_CHARS = 100
SEARCH_MAX_WORDS = 4
NAME_ORDER = ("last_name_key", "first_name_key", "id")
# A one- or two-letter name prefix matches a good share of the registry: reading
# the name index in order and stopping at SEARCH_LIMIT beats sorting the matches.
SHORT_PREFIX = 3
# What search_patients reads of each match (the picker's columns and the home location's): a third of the
# patient's columns, which makes the query and its model instances cheaper. A field read beyond these costs
# a query per row: add it here.
_PICKER_FIELDS = (
    "id",
    "organisation_id",
    "record_number",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "stage",
    "home_location__name",
    "home_location__time_zone",
)
# What a search makes of its matches: patients or summaries.
_Match = typing.TypeVar("_Match")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The US order, as a birth date is written on a US form: 04/02/1990, 4/2/1990, 04-02-1990, 04.02.1990.
_US_DATE = re.compile(r"^(\d{1,2})([/.-])(\d{1,2})\2(\d{4})$")


def _visibility(user) -> tuple[str, int] | None:
    """Which patients `user` sees: those whose `field` holds `value`, as (field, value); None for none."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if user.may(Permission.OWN_RECORD_VIEW):
        return "user_id", user.pk
    if user.may(Permission.PATIENT_VIEW) and user.organisation_id is not None:
        return "organisation_id", user.organisation_id
    return None


def _visible_patients(user) -> QuerySet[Patient]:
    visibility = _visibility(user)
    if visibility is None:
        return Patient.objects.none()
    field, value = visibility
    return Patient.objects.filter(**{field: value})


def _visible_patient_read(field: str) -> FixedRead:
    # One row by its key, so no ORDER BY: first() would add one, and building it was a quarter of the query's
    # cost; so was joining the organisation, which is the reader's own (issue 19).
    return FixedRead(
        Patient,
        lambda scope_id, patient_id: (
            Patient.objects.filter(**{field: scope_id})
            .select_related("home_location", "user")
            .filter(pk=patient_id)
            .order_by()[:1]
        ),
        scope_id=int,
        patient_id=int,
    )


# Every page of a patient reads the record this way: its SQL is built once per connection (issue 19).
_visible_patient_reads = {field: _visible_patient_read(field) for field in ("user_id", "organisation_id")}


def _visible_patient(user, patient_id) -> list[Patient]:
    visibility = _visibility(user)
    if visibility is None:
        return []
    field, scope_id = visibility
    if is_db_id(patient_id):
        return _visible_patient_reads[field].models(scope_id=scope_id, patient_id=patient_id)
    # Not an id the compiled SQL takes (0, out of range, a string): the ORM answers as it always did.
    return list(_visible_patient_reads[field].build(scope_id, patient_id))


class PatientMerged(Http404):
    """The record was merged into another (actions.do_merge_patients): a page sends the reader to
    `survivor_id`; everything else treats the address as gone (no writes to a merged record)."""

    def __init__(self, survivor_id: int):
        super().__init__("This record was merged into another patient's record.")
        self.survivor_id = survivor_id


def access_patient_by_id(user, patient_id: int, *, audit: bool = True) -> Patient:
    """The patient's record if `user` may see it (audited as a view); 404 otherwise, PatientMerged
    (a 404 naming the surviving record) for a merged duplicate."""
    patient = next(iter(_visible_patient(user, patient_id)), None)
    if patient is None:
        raise Http404("No such patient")
    if patient.merged_into_id is not None:
        raise PatientMerged(patient.merged_into_id)
    if patient.organisation_id == user.organisation_id:
        patient.organisation = user.organisation  # loaded with the reader (accounts/sessions.py, api_auth.py)
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


# Of the user who recorded a chart entry, the chart and the API show the name only (User.display_name). Building
# a query costs per selected column (issue 19): the entries are read whole, their recorder by these columns.
_RECORDER_FIELDS = ("recorded_by__username", "recorded_by__first_name", "recorded_by__last_name")
# What the chart shows of the consultation requests a patient came from.
_CHART_INQUIRY_FIELDS = ("patient", "submitted_at", "status", "reasons", "time_zone", "preferred_location__name")


def _with_recorder(entries: QuerySet) -> QuerySet:
    own = [field.name for field in entries.model._meta.concrete_fields]
    return entries.select_related("recorded_by").only(*own, *_RECORDER_FIELDS)


# The chart's lists have the same shape for every patient: their SQL is built once per connection
# (lib/fixed_reads.py), which took the five reads from ~2.8 ms to ~0.4 ms (issue 19).
def _chart_list(model, *order: str) -> FixedRead:
    """The patient's entries of `model`, with their recorder, in `order` (by default the model's Meta order)."""

    def entries(patient_id: int) -> QuerySet:
        entries = model.objects.filter(patient_id=patient_id)
        return _with_recorder(entries.order_by(*order) if order else entries)

    return FixedRead(model, entries, patient_id=int)


_DIAGNOSES = _chart_list(Diagnosis)
_ALLERGIES = _chart_list(Allergy)
_MEDICATIONS = _chart_list(Medication)
_WEIGHTS = _chart_list(WeightMeasurement, "-measured_on", "-recorded_at")


@functools.cache
def _inquiries_read() -> FixedRead:
    # inquiries stands on patients: its model is reached through the reverse relation (known once apps are loaded).
    inquiry = Patient._meta.get_field("inquiries").related_model
    return FixedRead(
        inquiry,
        lambda patient_id: (
            inquiry.objects.filter(patient_id=patient_id)
            .select_related("preferred_location")
            .only(*_CHART_INQUIRY_FIELDS)
            .order_by("-submitted_at")
        ),
        patient_id=int,
    )


def _load_chart(patient: Patient) -> PatientChart:
    return PatientChart(
        patient=patient,
        diagnoses=_DIAGNOSES.models(patient_id=patient.pk),
        allergies=_ALLERGIES.models(patient_id=patient.pk),
        medications=_MEDICATIONS.models(patient_id=patient.pk),
        weights=_WEIGHTS.models(patient_id=patient.pk),
        inquiries=_inquiries_read().models(patient_id=patient.pk),
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


def _search(user, query: str, limit: int, read: typing.Callable[[QuerySet[Patient]], list[_Match]]) -> list[_Match]:
    """Staff search by name prefix, date of birth (YYYY-MM-DD or the US MM/DD/YYYY), record number
    ("123" = KC-000123), phone number (any format that dials, compared in E.164) or email address:
    the first `limit` matches in name order, as `read` makes them of the sliced queryset.

    One query for the rows plus one audit entry for the search, however many
    patients there are (indexed prefix lookups; see Patient.Meta.indexes).
    """
    if not user.may(Permission.PATIENT_LIST):
        raise PermissionDenied("Your role may not list patients.")
    patients = _visible_patients(user).filter(merged_into__isnull=True)
    # NUL is never part of a name or number, and PostgreSQL refuses it in text.
    query = query.replace("\x00", "").strip()[:SEARCH_MAX_CHARS]
    order_by = NAME_ORDER
    if query:
        condition, narrow = _search_filter(query)
        patients = patients.filter(condition)
        if narrow:
            order_by = (_Unindexed(F("last_name_key")), _Unindexed(F("first_name_key")), "id")
    results = read(patients.order_by(*order_by)[:limit])
    record_event(
        user,
        AuditAction.LIST,
        object_type="patients.patient",
        organisation=user.organisation,
        detail={"query": query, "results": len(results)},
    )
    return results


def search_patients(user, query: str = "", *, limit: int = SEARCH_LIMIT) -> list[Patient]:
    """The search's matches as patients (with the columns a picker shows only: _PICKER_FIELDS); audited."""
    return _search(
        user, query, limit, lambda patients: list(patients.select_related("home_location").only(*_PICKER_FIELDS))
    )


class LocationSummary(typing.TypedDict):
    id: int
    name: str
    time_zone: str


class PatientSummary(typing.TypedDict):
    """One match as the patient list and the API's PatientSummaryOut show it, field for field (a test holds
    the two equal): the API sends these as they are, without validating every field of every row again."""

    id: int
    record_number: str
    first_name: str
    last_name: str
    preferred_name: str
    date_of_birth: dt.date
    stage: str
    home_location: LocationSummary | None


_SUMMARY_COLUMNS = (
    "id",
    "record_number",
    "first_name",
    "last_name",
    "preferred_name",
    "date_of_birth",
    "stage",
    "home_location_id",
    "home_location__name",
    "home_location__time_zone",
)


def _summaries(patients: QuerySet[Patient]) -> list[PatientSummary]:
    return [
        {
            "id": patient_id,
            "record_number": record_number,
            "first_name": first_name,
            "last_name": last_name,
            "preferred_name": preferred_name,
            "date_of_birth": date_of_birth,
            "stage": stage,
            "home_location": None if location_id is None else {"id": location_id, "name": name, "time_zone": zone},
        }
        for (
            patient_id,
            record_number,
            first_name,
            last_name,
            preferred_name,
            date_of_birth,
            stage,
            location_id,
            name,
            zone,
        ) in patients.values_list(*_SUMMARY_COLUMNS)
    ]


def search_patient_summaries(user, query: str = "", *, limit: int = SEARCH_LIMIT) -> list[PatientSummary]:
    """The search's matches as plain values (the list page, the API list): no model instances, which were
    half of reading them (issue 19); audited like search_patients."""
    return _search(user, query, limit, _summaries)


# The most possible duplicates a registration lists; more means the details are too common to tell.
DUPLICATE_LIMIT = 10


def duplicate_candidates(
    organisation_id: int,
    *,
    first_name: str,
    last_name: str,
    date_of_birth: dt.date | None,
    email: str = "",
    phone: str = "",
) -> list[Patient]:
    """Live records of the organisation that may be the same person: the same first and last name
    (case and accents aside) and birth date, or the same email address (case aside), or the same phone
    number (`phone` in E.164, as stored). For the registration action, which checked the permission;
    the page and the API show them through access_possible_duplicates."""
    condition = Q(pk__in=[])
    first_key, last_key = search_key(first_name or ""), search_key(last_name or "")
    if first_key and last_key and isinstance(date_of_birth, dt.date):
        condition |= Q(first_name_key=first_key, last_name_key=last_key, date_of_birth=date_of_birth)
    if email:
        condition |= Q(Exact(Lower("email"), email.lower()))
    if phone:
        condition |= Q(phone=phone)
    patients = Patient.objects.filter(organisation_id=organisation_id, merged_into__isnull=True).filter(condition)
    return list(patients.select_related("home_location").order_by(*NAME_ORDER)[:DUPLICATE_LIMIT])


def access_possible_duplicates(user, patient_ids: list[int]) -> list[Patient]:
    """The records a registration was warned about, for the warning itself (audited as a list: it
    shows names and record numbers). Read after the refused registration rolled back."""
    if not user.may(Permission.PATIENT_LIST):
        raise PermissionDenied("Your role may not list patients.")
    ids = [db_id_or_zero(pk) for pk in patient_ids]
    patients = list(
        _visible_patients(user)
        .filter(pk__in=ids, merged_into__isnull=True)
        .select_related("home_location")
        .order_by(*NAME_ORDER)
    )
    record_event(
        user,
        AuditAction.LIST,
        object_type="patients.patient",
        organisation=user.organisation,
        detail={"report": "possible_duplicates", "results": len(patients)},
    )
    return patients


def merged_duplicates_of(user, patient: Patient) -> list[Patient]:
    """The records merged into `patient` (already read by `user`), for the clinic admin who may undo a merge."""
    if not user.may(Permission.PATIENT_MERGE):
        return []
    return list(Patient.objects.filter(merged_into=patient).order_by("-merged_at"))


def access_merged_patient_by_id(user, patient_id: int) -> Patient:
    """A merged duplicate of the admin's organisation, for undoing its merge; 404 for anything else."""
    require_permission(user, Permission.PATIENT_MERGE)
    patient = (
        _visible_patients(user)
        .filter(pk=patient_id, merged_into__isnull=False)
        .select_related("organisation", "merged_into")
        .first()
    )
    if patient is None:
        raise Http404("No such merged record")
    record_event(user, AuditAction.VIEW, patient, patient=patient)
    return patient


@dataclass(frozen=True)
class MergePreview:
    """What merging `patient` into another record would do."""

    patient: Patient
    rows: list[tuple[str, int]]  # (what, how many) of the rows that would move
    kept: list[str]  # append-only models whose rows stay with this record (the audit trail, the ledger)
    suggestions: list[Patient]  # other live records with the same name and birth date, email or phone


def access_merge_preview(user, patient_id: int) -> MergePreview:
    """The merge page of a record (clinic admins; audited as a view of the record)."""
    require_permission(user, Permission.PATIENT_MERGE)
    patient = access_patient_by_id(user, patient_id)
    suggestions = duplicate_candidates(
        patient.organisation_id,
        first_name=patient.first_name,
        last_name=patient.last_name,
        date_of_birth=patient.date_of_birth,
        email=patient.email,
        phone=patient.phone,
    )
    return MergePreview(
        patient,
        row_counts(patient.pk),
        append_only_labels(),
        [candidate for candidate in suggestions if candidate.pk != patient.pk],
    )


@dataclass(frozen=True)
class UnmergePreview:
    patient: Patient  # the merged duplicate
    survivor: Patient
    moved: list[tuple[str, int]]  # (model, rows) the merge moved, which go back


def access_unmerge_preview(user, patient_id: int) -> UnmergePreview:
    """A merged duplicate and the rows its merge moved (clinic admins; audited as a view)."""
    patient = access_merged_patient_by_id(user, patient_id)
    merge = merge_entry_of(patient)
    moved = [(item["model"], len(item["ids"])) for item in (merge.detail.get("moved", []) if merge else [])]
    return UnmergePreview(patient, patient.merged_into, moved)


def merge_entry_of(duplicate: Patient) -> AuditEntry | None:
    """The audit entry of a merged record's current merge, which lists the rows it moved (the latest
    one: a record merged, restored and merged again has two)."""
    entries = AuditEntry.objects.filter(
        patient=duplicate,
        object_type=Patient._meta.label_lower,
        object_id=str(duplicate.pk),
        action=AuditAction.STATUS_CHANGE,
    ).order_by("-sequence")
    for entry in entries:
        if entry.detail.get("change") == MERGE and entry.detail.get("merged_into") == duplicate.merged_into_id:
            return entry
    return None


@dataclass(frozen=True)
class PickerResults:
    """What a patient picker shows: the chosen patient (kept while the search changes) and the
    first matches of the typed query; nothing is listed before something is typed."""

    query: str
    selected: Patient | None
    patients: list[Patient]
    more: bool  # more matches than shown: type more


def picker_results(user, query: str, selected_id: int, *, limit: int) -> PickerResults:
    """At most `limit` matches of `query` (search_patients, audited as a search) for a picker."""
    live = _visible_patients(user).filter(merged_into__isnull=True)
    selected = live.filter(pk=db_id_or_zero(selected_id)).first() if selected_id else None
    query = query.strip()
    matches = search_patients(user, query, limit=limit + 1) if query else []
    return PickerResults(query, selected, matches[:limit], len(matches) > limit)


def _typed_date(query: str) -> dt.date | typing.Literal[False] | None:
    """The date a query spells (ISO or US month/day/year); False for a date shape that is no real
    day (13/45/1990); None for anything else."""
    if _ISO_DATE.match(query):
        try:
            return dt.date.fromisoformat(query)
        except ValueError:
            return False
    us = _US_DATE.match(query)
    if us:
        try:
            return dt.date(int(us.group(4)), int(us.group(1)), int(us.group(3)))
        except ValueError:
            return False
    return None


class _Unindexed(Func):
    """The column as it is, written `+column` on SQLite so no index can supply its order.

    Without ANALYZE statistics (a fresh SQLite file has none) SQLite satisfies
    ORDER BY name ... LIMIT by walking the whole organisation's name index, even
    when the date-of-birth or a prefix range would find a handful of rows. For
    narrow searches the order is taken away from the index, so the selective
    index is used and only the matches are sorted. PostgreSQL gets `column || ''`
    for the same reason: with the plain name-order index (patient_org_name_order)
    its planner would otherwise walk the organisation in name order for a prefix
    that matches a few hundred rows (measured in bench/patient_search.py: p95 of
    a 3–5 letter prefix 133 ms → 328 ms at 100,000 patients).
    """

    template = "%(expressions)s"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="+%(expressions)s", **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s || '')", **extra_context)


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
    birth_date = _typed_date(query)
    if birth_date is not None:
        return (Q(date_of_birth=birth_date) if birth_date else Q(pk__in=[])), True
    if "@" in query:
        # Addresses are compared case-folded, on the (organisation, LOWER(email)) index.
        return Q(Exact(Lower("email"), query.lower())), True
    if any(ch.isdigit() for ch in query):
        # A dialable number is a phone number (stored in E.164); anything else with digits is a record
        # number. The short forms of a record number (123, KC-000123) are never dialable. (One
        # condition, not phone OR record number: without statistics SQLite would then scan the
        # organisation instead of using either index.)
        try:
            return Q(phone=normalise_phone(query)), True
        except ValueError:
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
    """Where audit times are shown and date filters are read: the viewer's zone (ketacare/lib/zones.py)."""

    zone: dt.tzinfo
    location_name: str

    @property
    def label(self) -> str:
        if not self.location_name:
            return str(self.zone)
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
    """The viewer's zone: their chosen one, else their home location's, else their organisation's first
    location's, else UTC. Entries from every location meet here, so each time also prints its zone."""
    zone = zone_of_user(user)
    if user.time_zone:
        return DisplayZone(zone, "")
    location = user.home_location or (
        Location.objects.filter(organisation_id=user.organisation_id)
        .order_by("-is_active", "name")
        .only("name")
        .first()
    )
    return DisplayZone(zone, location.name if location is not None else "")


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
    entries = AuditEntry.objects.filter(patient_id__in=_with_merged_duplicates(patient))
    return AuditListing(entries_for_display(entries, read), display_zone(user), patient)


def _with_merged_duplicates(patient: Patient) -> list[int]:
    """The patient's id and those of the records merged into it (and into those): the audit trail keeps
    each entry under the record it was written for, so a merged duplicate's history is read from here."""
    ids, frontier = [patient.pk], [patient.pk]
    while frontier:
        frontier = list(Patient.objects.filter(merged_into_id__in=frontier).values_list("pk", flat=True))
        ids += frontier
    return ids


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
    entries = (
        AuditEntry.objects.filter(patient_id__in=_with_merged_duplicates(patient))
        .select_related("actor")
        .order_by("sequence")
    )
    rows = [_disclosure_row(entry) for entry in entries]
    record_event(
        user,
        AuditAction.EXPORT,
        object_type=AUDIT_OBJECT_TYPE,
        patient=patient,
        detail={"report": "accounting_of_disclosures", "format": "csv", "rows": len(rows)},
    )
    return DisclosureReport(patient, DISCLOSURE_COLUMNS, rows)
