"""Headers every page carries (docs/security.md): a Content-Security-Policy and `Cache-Control: no-store`.

Django 5.2 has no Content-Security-Policy of its own. The policy allows scripts only from this site's
own static files (vendored htmx, Swagger UI); there is no inline script and no `hx-on`/`js:` code, and
htmx's own indicator <style> is switched off in base.html (its rules are in ketacare.css). Style
*attributes* stay allowed (`style-src-attr`): they cannot run code, and templates use a few.

Almost every page shows patient data to someone (staff pages, the portal, questionnaire links, PDFs,
CSV, the API, calendar feeds), so every response that passes here is marked not to be stored by
browsers or proxies; static files are served before this middleware (WhiteNoise) and keep their caching.
"""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "style-src-attr 'unsafe-inline'",
        # data: for the icons Swagger UI's stylesheet embeds.
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)


class SecurityHeadersMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        patch_cache_control(response, private=True, no_store=True)
        return response
