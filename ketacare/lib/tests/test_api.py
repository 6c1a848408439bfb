"""The API preamble: the path id refuses what the database cannot hold (422, not a query), and the
documented error sets nest: a list's errors are a read's, a read's are a write's."""

import pytest
from django.urls import path
from ninja import NinjaAPI

from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.lib.ids import DB_ID_MAX

api = NinjaAPI(urls_namespace="lib-test-api")
seen: list[int] = []


@api.get("/things/{thing_id}", response={200: dict, **READ_ERRORS})
def get_thing(request, thing_id: int = PathId):
    seen.append(thing_id)
    return {"id": thing_id}


urlpatterns = [path("api/", api.urls)]
pytestmark = pytest.mark.urls(__name__)


def test_error_sets_nest_and_name_their_bodies():
    assert LIST_ERRORS == {401: ErrorOut, 403: ErrorOut}
    assert READ_ERRORS == {**LIST_ERRORS, 404: ErrorOut, 422: ValidationErrorOut}
    assert WRITE_ERRORS == {**READ_ERRORS, 400: ErrorOut}


def test_path_id_in_range_reaches_the_view(client):
    seen.clear()
    assert client.get(f"/api/things/{DB_ID_MAX}").json() == {"id": DB_ID_MAX}
    assert seen == [DB_ID_MAX]


@pytest.mark.parametrize("value", ["0", "-3", str(DB_ID_MAX + 1), "x"])
def test_path_id_out_of_range_is_422_naming_the_parameter_and_never_reaches_the_view(client, value):
    seen.clear()
    response = client.get(f"/api/things/{value}")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path", "thing_id"]
    assert seen == []


def test_the_schema_documents_the_id_bounds_and_the_errors():
    operation = api.get_openapi_schema(path_prefix="/api/")["paths"]["/api/things/{thing_id}"]["get"]
    [parameter] = operation["parameters"]
    assert (parameter["schema"]["minimum"], parameter["schema"]["maximum"]) == (1, DB_ID_MAX)
    assert {"401", "403", "404", "422"} <= set(map(str, operation["responses"]))
