"""The kick-off request's parameters (FHIR Bulk Data 2.0, "Query Parameters"), checked before a job exists.

GET carries them in the query; POST may carry them as a Parameters resource (valueString / valueInstant).
A parameter this server does not support is refused, unless the client sent `Prefer: handling=lenient`.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils.dateparse import parse_datetime

from ketacare.fhir.domain.search import SearchError

NDJSON_FORMATS = {"application/fhir+ndjson", "application/ndjson", "ndjson"}
SUPPORTED = {"_outputFormat", "_type", "_since"}


@dataclass(frozen=True)
class ExportParams:
    types: list[str]  # as asked, in order, each once; empty: every type the reader may read
    since: dt.datetime | None


def prefer_tokens(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(",") if part.strip()}


def params_from_parameters(body: object) -> list[tuple[str, str]]:
    """(name, value) pairs of a Parameters resource; SearchError for anything else."""
    if not isinstance(body, dict) or body.get("resourceType") != "Parameters":
        raise SearchError("body", "POST a Parameters resource (or no body, with the parameters in the query).")
    pairs = []
    for parameter in body.get("parameter") or []:
        name = parameter.get("name") if isinstance(parameter, dict) else None
        values = [parameter.get(key) for key in ("valueString", "valueInstant", "valueCode") if key in parameter]
        if not isinstance(name, str) or len(values) != 1 or not isinstance(values[0], str):
            raise SearchError("body", "Each parameter needs a name and one valueString, valueInstant or valueCode.")
        pairs.append((name, values[0]))
    return pairs


def parse_export_params(pairs: list[tuple[str, str]], *, known_types: set[str], lenient: bool) -> ExportParams:
    types: list[str] = []
    since = None
    for name, value in pairs:
        if name == "_outputFormat":
            if value not in NDJSON_FORMATS:
                raise SearchError(name, f"{value!r}: only NDJSON is written (application/fhir+ndjson).")
        elif name == "_type":
            for type_name in (part.strip() for part in value.split(",")):
                if type_name not in known_types:
                    raise SearchError(name, f"{type_name!r} is no resource type served here (see /fhir/metadata).")
                if type_name not in types:
                    types.append(type_name)
        elif name == "_since":
            try:
                since = parse_datetime(value.replace("Z", "+00:00")) if "T" in value else None
            except ValueError:  # well formed, but no such time (month 13)
                since = None
            if since is None or since.tzinfo is None:
                raise SearchError(name, f"{value!r} is no FHIR instant (e.g. 2026-01-31T09:00:00Z, with its zone).")
        elif name not in SUPPORTED and not lenient and name != "_format":
            raise SearchError(name, f"{name} is not supported by this server's $export (_type, _since, _outputFormat).")
    return ExportParams(types, since)
