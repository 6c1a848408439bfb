"""The FHIR R4 REST interface at /fhir/: read, search and the CapabilityStatement, JSON only.

Thin views: authentication (a bearer API token or a session with two-factor done, as for /api/v1/), then
one selector call; every error is an OperationOutcome with its HTTP status.
"""

import json
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from ninja.errors import HttpError

from ketacare.accounts.api_auth import ApiTokenAuth, SessionAuth
from ketacare.fhir import selectors
from ketacare.fhir.capability import capability_statement
from ketacare.fhir.domain import codes
from ketacare.fhir.domain.outcome import (
    ISSUE_FORBIDDEN,
    ISSUE_INVALID,
    ISSUE_LOGIN,
    ISSUE_NOT_FOUND,
    ISSUE_NOT_SUPPORTED,
    operation_outcome,
    searchset,
)
from ketacare.fhir.domain.search import Cursor, SearchError, parse_count, parse_cursor
from ketacare.fhir.smart.bearer import oauth_reader

# `_format` values that ask for what is served (JSON); XML is not served.
JSON_FORMATS = {"json", "application/json", "application/fhir+json", codes.FHIR_JSON}
PAGING_PARAMS = {"_count", "_cursor", "_format"}


def fhir_response(body: dict, status: int = 200, headers: dict | None = None) -> HttpResponse:
    return HttpResponse(json.dumps(body), status=status, content_type=codes.FHIR_JSON, headers=headers)


def outcome_response(status: int, code: str, message: str, *, expression: str | None = None) -> HttpResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="KetaCare FHIR"'} if status == 401 else None
    return fhir_response(operation_outcome(code, message, expression=expression), status, headers)


def base_url(request) -> str:
    return request.build_absolute_uri("/fhir/")


def _reader(request):
    """The user behind a bearer token (a personal API token, or an OAuth access token, whose grant is set on
    `request.smart_grant`) or a two-factor-complete session; None for nobody."""
    request.smart_grant = None
    header = request.headers.get("Authorization")
    if header:
        # A token that is given but wrong never falls back to the session.
        user = ApiTokenAuth()(request)
        scheme, _, raw_token = header.partition(" ")
        if user is None and scheme.lower() == "bearer" and raw_token.strip():
            found = oauth_reader(raw_token.strip())
            if found is not None:
                user, request.smart_grant = found
                request.user = user
        return user
    return SessionAuth()(request)


def fhir_view(view=None, *, methods: tuple[str, ...] = ("GET",)):
    """Authenticate, run the view, turn every refusal into an OperationOutcome.

    `@fhir_view` serves GET only; an operation that starts or cancels work names its methods
    (`@fhir_view(methods=("GET", "POST", "DELETE"))`). Bearer-token clients send no CSRF token;
    a browser session's write must (django-ninja's SessionAuth checks it).
    """
    if view is None:
        return lambda inner: fhir_view(inner, methods=methods)

    @csrf_exempt
    def wrapped(request, *args, **kwargs):
        if request.method not in methods:
            return method_not_allowed(methods)
        requested_format = request.GET.get("_format")
        if requested_format is not None and requested_format not in JSON_FORMATS:
            return outcome_response(400, ISSUE_NOT_SUPPORTED, "Only JSON is served (_format=json).")
        try:
            user = _reader(request)
        except HttpError:  # a browser session's write without its CSRF token (another site's form)
            return outcome_response(403, ISSUE_FORBIDDEN, "A signed-in browser must send its CSRF token to do this.")
        if user is None:
            return outcome_response(401, ISSUE_LOGIN, "Authentication required: send Authorization: Bearer <token>.")
        try:
            return view(request, user, *args, **kwargs)
        except SearchError as exc:
            return outcome_response(400, ISSUE_INVALID, str(exc), expression=exc.parameter)
        except Http404 as exc:
            return outcome_response(404, ISSUE_NOT_FOUND, str(exc) or "Not found.")
        except PermissionDenied as exc:
            return outcome_response(403, ISSUE_FORBIDDEN, str(exc) or "Permission denied.")

    return wrapped


def method_not_allowed(methods: tuple[str, ...] = ("GET",)) -> HttpResponse:
    allowed = ", ".join(methods)
    response = outcome_response(405, ISSUE_NOT_SUPPORTED, f"This address answers {allowed} only.")
    response["Allow"] = allowed
    return response


@csrf_exempt
def metadata(request):
    """The CapabilityStatement is public, as FHIR clients read it before they authenticate."""
    if request.method != "GET":
        return method_not_allowed()
    return fhir_response(capability_statement(base_url(request)))


@fhir_view
def read(request, user, resource_type: str, resource_id: str):
    return fhir_response(selectors.access_resource(user, resource_type, resource_id, grant=request.smart_grant))


@fhir_view
def search(request, user, resource_type: str):
    count = parse_count(request.GET.get("_count"))
    after = parse_cursor(request.GET.get("_cursor"))
    params = {
        name: [value.split(",") for value in request.GET.getlist(name)]
        for name in request.GET
        if name not in PAGING_PARAMS
    }
    query = request.GET.urlencode()
    resources, included, next_cursor = selectors.search_resources(
        user, resource_type, params, count, after, query, grant=request.smart_grant
    )
    next_url = _next_url(request, resource_type, count, next_cursor)
    bundle = searchset(request.build_absolute_uri(), resources, base_url(request), next_url, included=included)
    return fhir_response(bundle)


def _next_url(request, path: str, count: int, next_cursor: Cursor | None) -> str | None:
    """The `next` link: the same query with the page size and the cursor where the next page starts."""
    if next_cursor is None:
        return None
    next_query = [
        (name, value) for name, values in request.GET.lists() if name not in ("_cursor", "_count") for value in values
    ]
    next_query += [("_count", str(count)), ("_cursor", next_cursor.encode())]
    return f"{base_url(request)}{path}?{urlencode(next_query)}"


@fhir_view
def everything(request, user, resource_id: str):
    """Patient/<id>/$everything: the patient's compartment, paged like a search (fhir/everything.py)."""
    for name in request.GET:
        if name not in PAGING_PARAMS | {"_type", "_since"}:
            raise SearchError(name, "$everything takes _type, _since and _count only")
    count = parse_count(request.GET.get("_count"))
    after = parse_cursor(request.GET.get("_cursor"))
    params = [(name, value) for name in ("_type", "_since") for value in request.GET.getlist(name)]
    resources, included, next_cursor = selectors.patient_everything(
        user, resource_id, params, count, after, request.GET.urlencode(), grant=request.smart_grant
    )
    next_url = _next_url(request, f"Patient/{resource_id}/$everything", count, next_cursor)
    return fhir_response(
        searchset(request.build_absolute_uri(), resources, base_url(request), next_url, included=included)
    )


@csrf_exempt
def not_found(request, rest: str = ""):
    """Any other address under /fhir/ (or another method): an OperationOutcome rather than the HTML page."""
    if request.method != "GET":
        return method_not_allowed()
    return outcome_response(404, ISSUE_NOT_FOUND, f"Nothing is served at /fhir/{rest} (see /fhir/metadata).")
