"""ICD-10-CM code shape (CMS ICD-10-CM tabular list: letter, digit, alphanumeric, then up to four more).

U is included: ICD-10-CM uses it for emergency codes (U07.1 COVID-19, U09.9 post COVID-19 condition).
"""

import re

ICD10_CM_PATTERN = re.compile(r"^[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?$")


def normalise_icd10_cm(code: str) -> str:
    """'f332' -> 'F33.2'; raises ValueError for something that is not an ICD-10-CM code."""
    compact = code.strip().upper().replace(".", "")
    if len(compact) > 3:
        compact = f"{compact[:3]}.{compact[3:]}"
    if not ICD10_CM_PATTERN.match(compact):
        raise ValueError(f"{code!r} is not an ICD-10-CM code (for example F33.2)")
    return compact
