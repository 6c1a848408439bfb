"""Referral-letter templates: a body with named placeholders, filled in as plain text.

A clinic edits its letter body (reports/models.py ReferralLetterSettings). The body is never run as a
Django template: `{name}` placeholders from the list below are replaced by their values in one pass,
so a value that itself reads `{patient_name}` or `{{ settings.SECRET_KEY }}` is printed as typed, and
anything else in braces is refused when the template is saved.
"""

import re
from collections.abc import Mapping

PLACEHOLDERS: Mapping[str, str] = {
    "recipient_name": "the referring clinician's name",
    "patient_name": "the patient's full name",
    "date_of_birth": "the patient's date of birth",
    "clinic_name": "the organisation's name",
    "prescriber_name": "the prescriber writing the letter",
    "today": "the letter's date",
    "sessions": "treatment sessions given (count, dates, doses)",
    "scores": "latest questionnaire scores against baseline",
    "adverse_events": "adverse events recorded",
    "integration_sessions": "signed integration-therapy session notes",
}

# An example for a clinic to review and adapt (docs/web.md, "Referral letters"); it states facts
# only through the placeholders, which come from the progress summary.
DEFAULT_LETTER_BODY = """Dear {recipient_name},

Thank you for referring {patient_name} (born {date_of_birth}) to {clinic_name}. This letter summarises their treatment with us up to {today}.

Treatment sessions: {sessions}

Questionnaire scores: {scores}

Adverse events: {adverse_events}

Integration therapy: {integration_sessions}

Please contact us with any questions about their care.

Yours sincerely,
{prescriber_name}"""

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def unknown_placeholders(body: str) -> list[str]:
    """The `{...}` in `body` that are not placeholders, in order of appearance (each once)."""
    unknown: list[str] = []
    for match in _PLACEHOLDER.finditer(body):
        name = match.group(1)
        if name not in PLACEHOLDERS and name not in unknown:
            unknown.append(name)
    return unknown


def fill_letter(body: str, values: Mapping[str, str]) -> str:
    """`body` with each known placeholder replaced by its value, once, as text."""
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), body)
