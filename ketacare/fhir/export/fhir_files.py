"""The FHIR half of the clinic's export: one NDJSON file per resource type, streamed through the registry."""

from collections.abc import Iterator
from pathlib import Path

from ketacare.fhir.ndjson import write_ndjson
from ketacare.fhir.registry import REGISTRY, STATIC, Scope, iter_resources


def write_fhir_files(scope: Scope, outdir: Path) -> Iterator[tuple[str, str, int]]:
    """Write `<Type>.ndjson` for every served type with at least one resource; yields (file, type, count).

    A type with nothing to export leaves no file (Bulk Data's manifest lists only files that hold resources).
    """
    for name in sorted([*REGISTRY, *STATIC]):
        path = outdir / f"{name}.ndjson"
        resources = iter_resources(REGISTRY[name], scope) if name in REGISTRY else iter(STATIC[name].resources())
        with path.open("w", encoding="utf-8", newline="\n") as stream:
            count = write_ndjson(resources, stream)
        if count:
            yield path.name, name, count
        else:
            path.unlink()
