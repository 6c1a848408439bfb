from django import template

register = template.Library()


@register.filter
def words(code: str) -> str:
    """A status code as words: 'eligible_with_cautions' -> 'eligible with cautions'."""
    return str(code).replace("_", " ")
