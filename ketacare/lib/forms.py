"""Showing an action's ValidationError on the HTML form that fed it; a select of many choices."""

from html import escape
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.safestring import SafeString, mark_safe


def show_errors(form: forms.BaseForm, exc: ValidationError) -> None:
    """Put each error on the field it names; an error about a field the form does not
    show goes at the top, prefixed with that field's name so the message still names it."""
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, field_messages in errors.items():
        if field in form.fields:
            form.add_error(field, field_messages)
        else:
            label = "" if field in (None, "__all__") else f"{field.replace('_', ' ')}: "
            form.add_error(None, [f"{label}{message}" for message in field_messages])


def error_text(exc: ValidationError) -> str:
    """One line for a message banner, each error prefixed with the field it names."""
    if not hasattr(exc, "error_dict"):
        return " ".join(exc.messages)
    return " ".join(
        f"{field.replace('_', ' ').capitalize()}: {message}"
        for field, field_messages in exc.message_dict.items()
        for message in field_messages
    )


class LongSelect(forms.Select):
    """A select of hundreds of choices (every IANA time zone), written in Python: Django's Select renders a
    template per option, which cost ~40 ms a page for the ~600 zones (issue 19), and format_html per option
    still ~18 ms (its lazy-text checks). Each value and label is escaped as Django's escape() does (html.escape
    of the text, quotes included) before the parts are joined; `selected` is the only attribute a Select's
    option gets."""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{escape(widget["name"])}"{flatatt(widget["attrs"])}>']
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'<optgroup label="{escape(str(group_name))}">')
            parts.extend(
                f'<option value="{escape(str(option["value"]))}"{" selected" if option["selected"] else ""}>'
                f"{escape(str(option['label']))}</option>"
                for option in options
            )
            if group_name:
                parts.append("</optgroup>")
        parts.append("</select>")
        return mark_safe("".join(parts))  # every part above is escaped or a literal
