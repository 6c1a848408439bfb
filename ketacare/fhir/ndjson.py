"""Newline-delimited JSON (one resource per line), the format of Bulk Data files and of the clinic's export."""

import json
from collections.abc import Iterable
from typing import TextIO

from ketacare.fhir.registry import Resource


def write_ndjson(resources: Iterable[Resource], stream: TextIO) -> int:
    """Write each resource on its own line as it comes (a generator stays a generator); the count written."""
    count = 0
    for resource in resources:
        stream.write(json.dumps(resource, separators=(",", ":"), ensure_ascii=False))
        stream.write("\n")
        count += 1
    return count
