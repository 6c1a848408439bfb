"""What every API router starts with: the id in the address and the errors its endpoints document.

How the errors arise is ketacare/api.py: a Django ValidationError from an action becomes 422 with
`detail: [{loc, msg}]`, PermissionDenied 403, no or a bad credential 401, a selector's Http404 404.
The bodies are in lib/api_errors.py. A router with an error of its own (409 for a taken slot)
adds it: `{**WRITE_ERRORS, 409: ErrorOut}`.
"""

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja.params import functions as ninja_params
from ninja.renderers import JSONRenderer

from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.lib.ids import DB_ID_MAX

# `def view(request, patient_id: int = PathId)`: an id the database cannot hold is a 422 naming
# the parameter, never a query. Ids in bodies and queries use lib.ids.DbId.
PathId: Any = ninja_params.Path(..., ge=1, le=DB_ID_MAX)

# Lists of the caller's own organisation: only the caller's credentials and role can fail.
LIST_ERRORS: dict[int, Any] = {401: ErrorOut, 403: ErrorOut}
# One object, by id or with filters: not found (or another organisation's) is 404; a bad id or
# filter value 422.
READ_ERRORS: dict[int, Any] = {**LIST_ERRORS, 404: ErrorOut, 422: ValidationErrorOut}
# Writes: also 400 for a body that is not JSON.
WRITE_ERRORS: dict[int, Any] = {**READ_ERRORS, 400: ErrorOut}


# The API's renderer (ketacare/api.py sets no other).
_RENDERER = JSONRenderer()


def response_without_validation(request: HttpRequest, data: Any, status: int = 200) -> HttpResponse:
    """`data` sent as ninja sends a validated response, for an endpoint that builds its data in its response
    schema's shape (a test holds the two equal): a long list skips ninja validating every field of every row
    again. The endpoint still declares the schema, so the OpenAPI document is unchanged."""
    return HttpResponse(
        _RENDERER.render(request, data, response_status=status),
        status=status,
        content_type=f"{_RENDERER.media_type}; charset={_RENDERER.charset}",
    )
