"""The FHIR shapes every response shares: OperationOutcome for errors, searchset Bundles."""

from collections.abc import Sequence
from typing import Any

# FHIR R4 issue-type codes (http://hl7.org/fhir/R4/valueset-issue-type.html).
ISSUE_NOT_FOUND = "not-found"
ISSUE_INVALID = "invalid"
ISSUE_LOGIN = "login"
ISSUE_FORBIDDEN = "forbidden"
ISSUE_NOT_SUPPORTED = "not-supported"
ISSUE_EXCEPTION = "exception"
ISSUE_THROTTLED = "throttled"


def operation_outcome(code: str, diagnostics: str, *, expression: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def searchset(
    self_url: str,
    resources: list[dict[str, Any]],
    full_url_base: str,
    next_url: str | None,
    *,
    included: Sequence[dict[str, Any]] = (),
) -> dict[str, Any]:
    """The matches (`search.mode` match), then the resources `_include`/`_revinclude` added (mode include)."""
    links = [{"relation": "self", "url": self_url}]
    if next_url is not None:
        links.append({"relation": "next", "url": next_url})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "link": links}
    entries = [(resource, "match") for resource in resources] + [(resource, "include") for resource in included]
    if entries:  # FHIR JSON has no empty arrays: no match, no `entry`
        bundle["entry"] = [
            {
                "fullUrl": f"{full_url_base}{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": mode},
            }
            for resource, mode in entries
        ]
    return bundle
