"""Showing an action's ValidationError on the HTML form that fed it."""

from django import forms
from django.core.exceptions import ValidationError


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
