"""Consent texts are Markdown, rendered safely: raw HTML is never passed through.

markdown-it-py (CommonMark) with its "js-default" preset: HTML in the source is escaped as text, and
link targets it considers unsafe (javascript:, vbscript:, file:, data:) are dropped.
"""

from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_RENDERER = MarkdownIt("js-default", {"html": False, "linkify": False, "typographer": False})


def render_markdown(source: str) -> SafeString:
    """HTML for a consent text; safe because the renderer escapes everything that is not Markdown."""
    return mark_safe(_RENDERER.render(source or ""))
