"""Printed documents: the PDFs that apps high up print about a patient, declared where the readers of the
record can find them. Referral letters (reports) and invoices, receipts, statements and superbills
(billing) are printed by apps on the FHIR interface's own floor, which it may not import; each of those apps
registers its *printed document kinds* here (in its AppConfig.ready()), and the FHIR interface serves the
stored ones as DocumentReferences while the clinic's export writes every kind's PDFs.

Why here: `documents` (floor 6) is the app about what is filed on a patient's record, and it stands below
every app that prints (reports, billing) and every reader (fhir). A kind names the Permission its reader
needs (accounts, floor 3), which lib (floor 1) may not import, and lists rows as querysets, so it is Django
code, not a domain rule.

Two sorts of kind:
- stored (`stored=True`): one PDF per row that exists once and is printed from it (a signed letter, an issued
  invoice, a payment's receipt); served as a DocumentReference at `<key>-<row pk>` and exported;
- on demand (`stored=False`): made for a period when asked (a statement, a superbill); its rows are the
  patients who have one; exported (one per patient), never a DocumentReference (nothing to refer to).

Readers take `printed_kinds()` after the apps are ready: fhir's ready() runs after reports' and billing's
(INSTALLED_APPS order), and a test checks each stored kind has its DocumentReference source.
"""

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model, Q, QuerySet

from ketacare.accounts.domain.roles import Permission

# A key becomes a FHIR id prefix (`[A-Za-z0-9.-]`, FHIR R4 §2.24.0.1 id) and a file name stem.
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
CHUNK_ROWS = 100


@dataclass(frozen=True)
class PageAddress:
    """The page that serves the PDF (its own access check and audit): a URL name and its kwargs."""

    name: str
    kwargs: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class PrintedDocument:
    """One document as a reader lists it: what it is, whose, when and by whom; no PDF yet."""

    patient_id: int
    record_number: str
    source_id: int  # the row it is printed from (the patient's id for an on-demand kind)
    title: str
    when: dt.datetime | dt.date  # signed, issued, posted; the period's last day for an on-demand kind
    author_ids: tuple[int, ...]  # the staff users who wrote, signed or issued it
    page: PageAddress  # the staff page that serves it
    portal_page: PageAddress | None = None  # the patient's own page for it; None when the portal has none
    encounter_id: str = ""  # a FHIR Encounter id ("session-<pk>") when it belongs to one


@dataclass(frozen=True)
class PrintedKind:
    key: str  # "referral-letter": the DocumentReference id prefix and the export's file name stem
    type_code: str  # DocumentReference.type in KetaCare's document-type code system
    type_display: str
    permission: Permission  # a staff reader needs it (as the page that serves the PDF does)
    patients_may_read: bool  # the portal serves the patient their own
    rows: Callable[[int], QuerySet[Any]]  # organisation id → its rows, one document each, related rows joined
    describe: Callable[[Any], PrintedDocument]
    render_pdf: Callable[[Any], bytes]  # the PDF of a row as its page prints it
    date_path: str = ""  # the lookup of the document's date (FHIR `date` search); stored kinds
    # Lookups of the times a row changes at (`_since`); a row is listed when any is later. Empty: always listed.
    last_updated: tuple[str, ...] = ()
    patient_path: str = "patient"  # the lookup to the patient ("pk" when the rows are patients)
    stored: bool = True

    def __post_init__(self) -> None:
        if not KEY_PATTERN.match(self.key):
            raise ValueError(f"printed document kind key {self.key!r}: lower-case words joined by '-'")
        if self.stored and not self.date_path:
            raise ValueError(f"printed document kind {self.key!r}: a stored kind needs its date_path")

    @property
    def export_kind(self) -> str:
        """The kind as documents.csv names it (words joined by '_', as its other kinds)."""
        return self.key.replace("-", "_")


_KINDS: dict[str, PrintedKind] = {}


def register_printed_kind(kind: PrintedKind) -> PrintedKind:
    """Called from the printing app's ready(); a key names one kind."""
    if kind.key in _KINDS:
        raise ValueError(f"printed document kind {kind.key!r} is registered twice")
    _KINDS[kind.key] = kind
    return kind


def printed_kinds(*, stored: bool | None = None) -> tuple[PrintedKind, ...]:
    """The registered kinds in registration order; only stored or on-demand ones when `stored` says."""
    return tuple(kind for kind in _KINDS.values() if stored is None or kind.stored == stored)


def changed_since(kind: PrintedKind, rows: QuerySet[Any], since: dt.datetime) -> QuerySet[Any]:
    """The rows with a `last_updated` time after `since` (by id, so a lookup across a to-many relation does
    not repeat a row)."""
    if not kind.last_updated:
        return rows
    changed = Q()
    for path in kind.last_updated:
        changed |= Q(**{f"{path}__gt": since})
    return rows.filter(pk__in=rows.model._default_manager.filter(changed).values("pk"))


def printed_rows(
    kind: PrintedKind,
    organisation_id: int,
    *,
    patient_ids: Iterable[int] | QuerySet[Any] | None = None,
    since: dt.datetime | None = None,
) -> QuerySet[Any]:
    """The kind's rows of an organisation's patients, by id: of some patients, changed after `since`."""
    rows = kind.rows(organisation_id)
    if patient_ids is not None:
        rows = rows.filter(**{f"{kind.patient_path}__in": patient_ids})
    if since is not None:
        rows = changed_since(kind, rows, since)
    return rows.order_by("pk")


def printed_documents(
    kind: PrintedKind,
    organisation_id: int,
    *,
    patient_ids: Iterable[int] | QuerySet[Any] | None = None,
    since: dt.datetime | None = None,
) -> Iterator[tuple[Model, PrintedDocument]]:
    """Each row with its document, streamed in chunks (memory stays flat); the row is what render_pdf takes."""
    rows = printed_rows(kind, organisation_id, patient_ids=patient_ids, since=since)
    for row in rows.iterator(chunk_size=CHUNK_ROWS):
        yield row, kind.describe(row)
