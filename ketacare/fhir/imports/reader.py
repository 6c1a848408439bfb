"""Read what a clinic brings: a Bundle (JSON), an NDJSON file, or a directory of NDJSON files (as a Bulk
Data export or `ketacare export --format fhir` writes them). Anything else is one clear ImportFileError and
nothing is imported."""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Bundles that carry resources to take in; a history, document or message Bundle, or a response, does not.
ACCEPTED_BUNDLE_TYPES = ("collection", "transaction", "batch", "searchset")


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not JSON, not a Bundle, a Bundle of the wrong type ...)."""


@dataclass
class Incoming:
    """The resources read, in file order, and the fullUrl each had in a Bundle (urn:uuid references)."""

    resources: list[dict[str, Any]] = field(default_factory=list)
    full_urls: dict[str, dict[str, Any]] = field(default_factory=dict)


def read_path(path: Path) -> Incoming:
    if path.is_dir():
        files = sorted(child for child in path.iterdir() if child.suffix == ".ndjson")
        if not files:
            raise ImportFileError(f"{path}: the directory holds no .ndjson file.")
        incoming = Incoming()
        for file in files:
            incoming.resources.extend(read_text(_text(file), file.name).resources)
        return incoming
    if not path.exists():
        raise ImportFileError(f"{path}: no such file or directory.")
    return read_text(_text(path), path.name)


def _text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ImportFileError(f"{path.name}: not UTF-8 text (FHIR JSON is UTF-8).") from None
    except OSError as exc:
        raise ImportFileError(f"{path.name}: cannot be read ({exc.strerror}).") from None


def read_text(text: str, name: str) -> Incoming:
    """A Bundle when the text is one JSON object, else NDJSON (one resource per line)."""
    stripped = text.strip()
    if not stripped:
        raise ImportFileError(f"{name}: the file is empty.")
    try:
        whole = json.loads(stripped)
    except json.JSONDecodeError:
        whole = None
    if isinstance(whole, dict) and "\n" not in stripped:
        # A single line: an NDJSON file of one resource or a Bundle on one line.
        return _bundle(whole, name) if whole.get("resourceType") == "Bundle" else _lines(stripped, name)
    if isinstance(whole, dict):
        return _bundle(whole, name)
    if whole is not None:
        raise ImportFileError(f"{name}: a JSON {type(whole).__name__} is not a FHIR Bundle or resource.")
    return _lines(stripped, name)


def _bundle(bundle: dict[str, Any], name: str) -> Incoming:
    if bundle.get("resourceType") != "Bundle":
        kind = bundle.get("resourceType") or "no resourceType"
        raise ImportFileError(f"{name}: a JSON file must hold a Bundle (found {kind}); put resources in NDJSON.")
    if bundle.get("type") not in ACCEPTED_BUNDLE_TYPES:
        raise ImportFileError(
            f"{name}: a Bundle of type {bundle.get('type')!r} carries no resources to import "
            f"(accepted: {', '.join(ACCEPTED_BUNDLE_TYPES)})."
        )
    incoming = Incoming()
    entries = bundle.get("entry") or []
    if not isinstance(entries, list):
        raise ImportFileError(f"{name}: Bundle.entry must be a list.")
    for number, entry in enumerate(entries, 1):
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if not isinstance(resource, dict):
            raise ImportFileError(f"{name}: Bundle.entry[{number}] has no resource.")
        incoming.resources.append(resource)
        if isinstance(entry.get("fullUrl"), str):
            incoming.full_urls[entry["fullUrl"]] = resource
    return incoming


def _lines(text: str, name: str) -> Incoming:
    incoming = Incoming()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            resource = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ImportFileError(f"{name} line {number}: not JSON ({exc.msg}).") from None
        if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
            raise ImportFileError(f"{name} line {number}: not a FHIR resource (no resourceType).")
        if resource["resourceType"] == "Bundle":
            raise ImportFileError(f"{name} line {number}: a Bundle inside NDJSON; import the Bundle as its own file.")
        incoming.resources.append(resource)
    return incoming
