"""Free text an action stores (a note, a reason, a name): one check, errors naming the field.

Actions are called from pages, the API and commands, so they check text themselves rather than
trusting a form: it must be text, carry no NUL (PostgreSQL refuses it in text columns), be given
when required and fit its length. Stored stripped of surrounding white space.
"""

from django.core.exceptions import ValidationError

TEXT_MAX_CHARS = 2000
REASON_MAX_CHARS = 2000

# The same rule for API bodies, as a pydantic `StringConstraints(pattern=...)`: said in the schema,
# a NUL (or a blank required value) is a 422 naming the field before any action runs.
NO_NUL = r"^[^\x00]*$"
NO_NUL_NOT_BLANK = r"^[^\x00]*[^\x00\s][^\x00]*$"  # not `\S`: NUL is not white space, so \S would let one in


def clean_text(field: str, value: object, *, required: bool = False, max_chars: int = TEXT_MAX_CHARS) -> str:
    """`value` stripped; ValidationError({field: ...}) when it is not text (None counts as empty),
    holds a NUL character, is blank but required, or is longer than `max_chars`."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: "Must be text."})
    text = value.strip()
    if "\x00" in text:
        raise ValidationError({field: "Remove the NUL character."})
    if required and not text:
        raise ValidationError({field: "This field is required."})
    if len(text) > max_chars:
        raise ValidationError({field: f"Keep this under {max_chars} characters."})
    return text


def clean_reason(
    value: object, *, required: bool = True, field: str = "reason", max_chars: int = REASON_MAX_CHARS
) -> str:
    """The reason for a change (a cancellation, an override, a withdrawal): required unless said."""
    return clean_text(field, value, required=required, max_chars=max_chars)
