"""URLs for bench/load.py only (load_settings.py): the bare endpoints that every page is compared with,
then the product's URLs unchanged.

- /bench/bare/: a signed-in JSON response whose only work is the full middleware stack (session, user,
  two-factor, idle clock) and one read: what "just being signed in" costs.
- /bench/anonymous/: the same response without a session: the floor under both.
"""

from django.db import connection
from django.http import JsonResponse
from django.urls import include, path

from ketacare.clinics.models import Organisation


def bare(request):
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "sign in"}, status=401)
    return JsonResponse({"organisation": Organisation.objects.filter(pk=request.user.organisation_id).count()})


def anonymous(request):
    return JsonResponse({"organisations": Organisation.objects.filter(pk=1).count()})


class QueryCountMiddleware:
    """Adds X-Bench-Queries: the number of SQL statements the request executed."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        statements = []

        def count(execute, sql, params, many, context):
            statements.append(sql)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(len(statements))
        return response


urlpatterns = [
    path("bench/bare/", bare),
    path("bench/anonymous/", anonymous),
    path("", include("ketacare.urls")),
]
