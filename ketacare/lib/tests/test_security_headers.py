from django.http import HttpResponse
from django.test import RequestFactory

from ketacare.lib.security_headers import CONTENT_SECURITY_POLICY, SecurityHeadersMiddleware


def answer(response: HttpResponse) -> HttpResponse:
    return SecurityHeadersMiddleware(lambda request: response)(RequestFactory().get("/"))


def test_every_response_gets_the_policy_and_no_store():
    response = answer(HttpResponse("chart"))
    assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert set(response["Cache-Control"].split(", ")) == {"private", "no-store"}


def test_a_view_that_asked_to_be_cached_publicly_is_still_not_stored():
    response = HttpResponse("report")
    response["Cache-Control"] = "public, max-age=3600"
    assert set(answer(response)["Cache-Control"].split(", ")) == {"private", "max-age=3600", "no-store"}
