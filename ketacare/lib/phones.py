"""Phone numbers, stored in E.164 so they compare, dial and send the same everywhere."""

import phonenumbers

# The clinics this serves are in the US; numbers without a country code are read as US numbers.
DEFAULT_REGION = "US"


def normalise_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """'(503) 555-0123' -> '+15035550123'; '' stays ''; ValueError for a number that cannot be dialled."""
    if not raw or not raw.strip():
        return ""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        raise ValueError(f"{raw!r} is not a phone number (for example (503) 555-0123 or +1 503 555 0123)") from None
    if not phonenumbers.is_valid_number(number):
        raise ValueError(f"{raw!r} is not a valid phone number (for example (503) 555-0123 or +1 503 555 0123)")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
