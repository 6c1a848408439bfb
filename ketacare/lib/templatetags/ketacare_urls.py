"""{{ patient.pk|url_with_id:"patients:detail" }}: a row's link in a list, the pattern reversed once per
process (lib/urls.py) instead of a {% url %} per row."""

from django import template

from ketacare.lib.urls import url_with_id as _url_with_id

register = template.Library()


@register.filter
def url_with_id(pk: int, name: str) -> str:
    return _url_with_id(name, pk)
