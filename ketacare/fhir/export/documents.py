"""The documents of the clinic's export: every PDF the record holds or prints, filed per patient.

    documents/<patient id>/consent-<id>.pdf             the signed consent, as stored when it was signed
    documents/<patient id>/session-record-<id>.pdf      the treatment session's record, as the chart prints it
    documents/<patient id>/rems-form-<id>.pdf           the esketamine REMS monitoring form
    documents/<patient id>/consultation-note-<id>.pdf   the psychiatric consultation note with its addenda
    documents/<patient id>/<kind key>-<id>.pdf          each printed document kind (documents/printed.py):
        referral-letter-<letter id>.pdf, invoice-<invoice id>.pdf, receipt-<entry id>.pdf,
        statement-<patient id>.pdf (the statement as of today), superbill-<patient id>.pdf (all final charges)
    documents/<patient id>/document-<id>-<name>         an uploaded file, byte for byte

documents.csv lists each file with its patient, kind, title, date, size and SHA-256. Printed records are
rendered one at a time as the export reaches them and uploaded files are copied in chunks: memory stays
flat. Referral letters (reports) and billing's documents are printed by apps this one may not import (they
share its floor): they register their kinds in documents/printed.py, which this module reads.
"""

import csv
import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import SuspiciousFileOperation
from django.utils.text import get_valid_filename

from ketacare.consents.models import SignedConsent
from ketacare.consultations.models import ConsultationNote
from ketacare.consultations.note_pdf import render_consultation_note_pdf
from ketacare.consultations.selectors import facts_of
from ketacare.documents.models import PatientDocument
from ketacare.documents.printed import PrintedKind, printed_documents, printed_kinds
from ketacare.documents.storage import document_storage
from ketacare.fhir.export.csv_files import cell
from ketacare.rems.models import MonitoringForm
from ketacare.rems.pdf import render_form_pdf
from ketacare.treatments.models import TreatmentSession
from ketacare.treatments.record_pdf import session_record_pdf

COPY_CHUNK_BYTES = 64 * 1024
# Rows fetched at a time: a signed consent carries its PDF, so fewer than for plain rows.
CHUNK_ROWS = 50
COLUMNS = (
    "patient_id", "record_number", "kind", "source_id", "title", "date", "file", "content_type", "size_bytes",
    "sha256", "problem",
)  # fmt: skip
MAX_NAME_CHARS = 80


@dataclass(frozen=True)
class Document:
    patient_id: int
    record_number: str
    kind: str
    source_id: int
    title: str
    date: dt.date | dt.datetime | None
    filename: str
    content_type: str
    chunks: Callable[[], Iterable[bytes]]  # the content, read when it is written


def _pdf(render: Callable[[], bytes]) -> Callable[[], Iterable[bytes]]:
    return lambda: [render()]


def _stored(stored_name: str) -> Callable[[], Iterable[bytes]]:
    def read() -> Iterator[bytes]:
        with document_storage().open(stored_name, "rb") as handle:
            while chunk := handle.read(COPY_CHUNK_BYTES):
                yield chunk

    return read


def _safe_name(name: str) -> str:
    try:
        safe = get_valid_filename(name)
    except SuspiciousFileOperation:
        safe = "file"
    stem, dot, extension = safe.rpartition(".")
    return safe[-MAX_NAME_CHARS:] if not dot else f"{stem[: MAX_NAME_CHARS - len(extension) - 1]}.{extension}"


def _of_organisation(model, organisation_id: int, *related: str):
    return (
        model.objects.filter(patient__organisation_id=organisation_id, patient__merged_into__isnull=True)
        .select_related("patient", *related)
        .order_by("pk")
    )


def consents(organisation_id: int) -> Iterator[Document]:
    rows = _of_organisation(SignedConsent, organisation_id, "template").defer("signature_png", "text_signed")
    for consent in rows.iterator(chunk_size=CHUNK_ROWS):
        yield Document(
            consent.patient_id, consent.patient.record_number, "signed_consent", consent.pk,
            f"{consent.template.title} v{consent.template.version}", consent.signed_at,
            f"consent-{consent.pk}.pdf", "application/pdf", lambda consent=consent: [bytes(consent.pdf)],
        )  # fmt: skip


def session_records(organisation_id: int) -> Iterator[Document]:
    rows = _of_organisation(TreatmentSession, organisation_id, "location", "monitoring_clinician", "prescriber")
    for session in rows.iterator(chunk_size=CHUNK_ROWS):
        yield Document(
            session.patient_id, session.patient.record_number, "session_record", session.pk,
            f"Treatment session record ({session.get_status_display()})", session.checked_in_at,
            f"session-record-{session.pk}.pdf", "application/pdf", _pdf(lambda s=session: session_record_pdf(s)),
        )  # fmt: skip


def rems_forms(organisation_id: int) -> Iterator[Document]:
    rows = _of_organisation(MonitoringForm, organisation_id, "location", "monitoring_clinician")
    for form in rows.iterator(chunk_size=CHUNK_ROWS):
        yield Document(
            form.patient_id, form.patient.record_number, "rems_form", form.pk,
            f"REMS patient monitoring form ({form.get_status_display()})", form.treatment_date,
            f"rems-form-{form.pk}.pdf", "application/pdf", _pdf(lambda f=form: render_form_pdf(f)),
        )  # fmt: skip


def _note_pdf(note: ConsultationNote) -> bytes:
    return render_consultation_note_pdf(note, facts_of(note), list(note.addenda.select_related("written_by")))


def consultation_notes(organisation_id: int) -> Iterator[Document]:
    rows = _of_organisation(ConsultationNote, organisation_id, "patient__organisation", "author", "signed_by")
    for note in rows.iterator(chunk_size=CHUNK_ROWS):
        yield Document(
            note.patient_id, note.patient.record_number, "consultation_note", note.pk,
            f"Psychiatric consultation note ({note.get_status_display()})", note.created_at,
            f"consultation-note-{note.pk}.pdf", "application/pdf", _pdf(lambda n=note: _note_pdf(n)),
        )  # fmt: skip


def uploaded(organisation_id: int) -> Iterator[Document]:
    rows = _of_organisation(PatientDocument, organisation_id)
    for document in rows.iterator(chunk_size=CHUNK_ROWS * 10):
        yield Document(
            document.patient_id, document.patient.record_number, f"uploaded_{document.category}", document.pk,
            document.title, document.document_date, f"document-{document.pk}-{_safe_name(document.original_name)}",
            document.content_type, _stored(document.stored_name),
        )  # fmt: skip


def printed(kind: PrintedKind) -> Callable[[int], Iterator[Document]]:
    def documents(organisation_id: int) -> Iterator[Document]:
        for row, document in printed_documents(kind, organisation_id):
            yield Document(
                document.patient_id, document.record_number, kind.export_kind, document.source_id, document.title,
                document.when, f"{kind.key}-{document.source_id}.pdf", "application/pdf",
                _pdf(lambda row=row: kind.render_pdf(row)),
            )  # fmt: skip

    return documents


def sources() -> tuple[Callable[[int], Iterator[Document]], ...]:
    """The record's own PDFs, every registered printed kind's, then the uploaded files."""
    own = (consents, session_records, rems_forms, consultation_notes)
    return (*own, *(printed(kind) for kind in printed_kinds()), uploaded)


def _write(document: Document, path: Path) -> tuple[int, str]:
    digest, size = hashlib.sha256(), 0
    with path.open("wb") as handle:
        for chunk in document.chunks():
            handle.write(chunk)
            digest.update(chunk)
            size += len(chunk)
    return size, digest.hexdigest()


def write_documents(organisation_id: int, outdir: Path) -> dict[str, int]:
    """Write every document and documents.csv; the number of files per kind."""
    counts: dict[str, int] = {}
    with (outdir / "documents.csv").open("w", encoding="utf-8", newline="") as index:
        writer = csv.writer(index)
        writer.writerow(COLUMNS)
        for source in sources():
            for document in source(organisation_id):
                folder = outdir / "documents" / str(document.patient_id)
                folder.mkdir(parents=True, exist_ok=True)
                relative = f"documents/{document.patient_id}/{document.filename}"
                try:
                    size, sha256 = _write(document, folder / document.filename)
                    problem = ""
                except FileNotFoundError:  # an uploaded file the storage no longer holds
                    (folder / document.filename).unlink(missing_ok=True)
                    relative, size, sha256, problem = "", 0, "", "the stored file is missing"
                writer.writerow(
                    [cell(value) for value in (
                        document.patient_id, document.record_number, document.kind, document.source_id,
                        document.title, document.date, relative, document.content_type, size, sha256, problem,
                    )]
                )  # fmt: skip
                if not problem:
                    counts[document.kind] = counts.get(document.kind, 0) + 1
    return counts
