"""The FHIR shapes every response shares: OperationOutcome for errors, searchset Bundles."""

from typing import Any

# FHIR R4 issue-type codes (http://hl7.org/fhir/R4/valueset-issue-type.html).
ISSUE_NOT_FOUND = "not-found"
ISSUE_INVALID = "invalid"
ISSUE_LOGIN = "login"
ISSUE_FORBIDDEN = "forbidden"
ISSUE_NOT_SUPPORTED = "not-supported"
ISSUE_EXCEPTION = "exception"


def operation_outcome(code: str, diagnostics: str, *, expression: str | None = None) -> dict[str, Any]:
    issue: dict[str, Any] = {"severity": "error", "code": code, "diagnostics": diagnostics}
    if expression:
        issue["expression"] = [expression]
    return {"resourceType": "OperationOutcome", "issue": [issue]}


def searchset(
    self_url: str, resources: list[dict[str, Any]], full_url_base: str, next_url: str | None
) -> dict[str, Any]:
    links = [{"relation": "self", "url": self_url}]
    if next_url is not None:
        links.append({"relation": "next", "url": next_url})
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "searchset", "link": links}
    if resources:  # FHIR JSON has no empty arrays: no match, no `entry`
        bundle["entry"] = [
            {
                "fullUrl": f"{full_url_base}{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for resource in resources
        ]
    return bundle
