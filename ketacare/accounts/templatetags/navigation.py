"""{% navigation_links %}: the header's links (templates/navigation_links.html), rendered once per process for each
combination of what they show (issue 19).

The links depend only on what the role is offered (`nav`), the URLs in force (script prefix, URLconf) and the
badges' two numbers; rendering their two dozen conditions cost every page ~0.1 ms. So the rendered links are kept
per combination, and a page pays a dictionary lookup. The numbers themselves are asked of the database on every
page (the measures and clinics context processors): a new safety alert shows on the next page. The links hold
no user text, which is what makes them safe to share between users.
"""

from functools import lru_cache

from django import template
from django.conf import settings
from django.template.loader import get_template
from django.urls import get_script_prefix, get_urlconf
from django.utils.safestring import SafeString

from ketacare.accounts.context_processors import nav_urls

register = template.Library()


def _count(value) -> int | None:
    """A badge's number, or None for a role without the badge; str() evaluates the processors' lazy COUNT."""
    return None if value is None else int(str(value))


@lru_cache(maxsize=256)
def _links(
    offered: tuple[tuple[str, bool], ...],
    script_prefix: str,
    urlconf: str,
    open_alert_count: int | None,
    failed_mail_count: int | None,
) -> SafeString:
    return get_template("navigation_links.html").render(
        {
            "nav": dict(offered),
            "nav_url": nav_urls(),
            "open_alert_count": open_alert_count,
            "failed_mail_count": failed_mail_count,
        }
    )


@register.simple_tag(takes_context=True)
def navigation_links(context) -> SafeString:
    return _links(
        tuple(context["nav"].items()),
        get_script_prefix(),
        get_urlconf() or settings.ROOT_URLCONF,
        _count(context.get("open_alert_count")),
        _count(context.get("failed_mail_count")),
    )
