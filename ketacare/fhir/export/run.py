"""Running the clinic's export: check the arguments, write the files, then the manifest and the audit entry."""

import datetime as dt
import importlib.metadata
import json
import time
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Organisation
from ketacare.fhir.domain import codes
from ketacare.fhir.export.csv_files import write_csv_files
from ketacare.fhir.export.documents import write_documents
from ketacare.fhir.export.fhir_files import write_fhir_files
from ketacare.fhir.registry import Scope

FORMATS = ("fhir", "csv")
COMMAND = "ketacare export"


class Operator:
    """The reader behind a command run at the server: the operator who holds the server reads the whole
    organisation (the role matrix is for people signed in). Not a user: the audit entry has no actor."""

    is_authenticated = False

    def may(self, permission) -> bool:
        return True


OPERATOR = Operator()


def operator_scope(organisation: Organisation) -> Scope:
    return Scope(OPERATOR, organisation.pk, organisation.slug)


@dataclass(frozen=True)
class Request:
    organisation: Organisation
    format: str
    outdir: Path


def _organisation(slug: str) -> Organisation:
    """The organisation named, or the only one when none is named and there is one."""
    if slug:
        organisation = Organisation.objects.filter(slug=slug).first()
        if organisation is None:
            raise ValidationError({"organisation": f"no organisation {slug!r}."})
        return organisation
    organisations = list(Organisation.objects.order_by("pk")[:2])
    if len(organisations) != 1:
        raise ValidationError({"organisation": "give the organisation's slug." if organisations else "none exists."})
    return organisations[0]


def check_request(organisation_slug: str, export_format: str, outdir: str) -> Request:
    """The export asked for; ValidationError naming the argument when it cannot run (nothing is written)."""
    organisation = _organisation(organisation_slug)
    if export_format not in FORMATS:
        raise ValidationError({"format": f"{export_format!r} is not a format: choose fhir or csv."})
    path = Path(outdir)
    if path.exists() and not path.is_dir():
        raise ValidationError({"outdir": f"{outdir} is a file, not a directory."})
    if path.is_dir() and any(path.iterdir()):
        raise ValidationError({"outdir": f"{outdir} is not empty: give a new or empty directory."})
    if not path.exists() and not path.parent.is_dir():
        raise ValidationError({"outdir": f"{path.parent} does not exist."})
    return Request(organisation, export_format, path)


def export_organisation(request: Request) -> dict:
    """Write the export into `request.outdir` (created when new); the manifest it wrote."""
    started = timezone.now()
    clock = time.monotonic()
    request.outdir.mkdir(exist_ok=True)
    organisation = request.organisation
    if request.format == "fhir":
        written = write_fhir_files(operator_scope(organisation), request.outdir)
    else:
        written = write_csv_files(organisation.pk, request.outdir)
    files = [{"file": name, "type": kind, "count": count} for name, kind, count in written]
    documents = write_documents(organisation.pk, request.outdir)
    manifest = {
        "organisation": {"slug": organisation.slug, "name": organisation.name},
        "format": request.format,
        "startedAt": started.astimezone(dt.UTC).isoformat(),
        "finishedAt": timezone.now().astimezone(dt.UTC).isoformat(),
        "seconds": round(time.monotonic() - clock, 1),
        "ketacareVersion": importlib.metadata.version("ketacare"),
        **({"fhirVersion": codes.FHIR_VERSION} if request.format == "fhir" else {}),
        "files": files,
        "documents": {"index": "documents.csv", "counts": documents},
    }
    with (request.outdir / "manifest.json").open("w", encoding="utf-8") as stream:
        json.dump(manifest, stream, indent=2)
        stream.write("\n")
    with transaction.atomic():
        record_event(
            None,
            AuditAction.EXPORT,
            organisation=organisation,
            object_type="organisation",
            object_id=str(organisation.pk),
            detail={
                "via": COMMAND,
                "format": request.format,
                "outdir": str(request.outdir.resolve()),
                "counts": {entry["type"]: entry["count"] for entry in files},
                "documents": documents,
            },
        )
    return manifest
