"""Record numbers: KC-000123, issued per organisation by a counter."""

import re

RECORD_NUMBER_PREFIX = "KC-"
# "KC-000123", "kc-123", "KC123" or a bare "123" all mean record KC-000123.
_SHORT_FORM = re.compile(r"^(?:KC-?)?0*(\d{1,9})$", re.IGNORECASE)


def format_record_number(number: int) -> str:
    return f"{RECORD_NUMBER_PREFIX}{number:06d}"


def record_number_from_query(query: str) -> str:
    """What a typed record number means as stored: '123' -> 'KC-000123'.

    Anything else is compared as typed, upper-cased (record numbers imported
    from another system keep their own shape).
    """
    compact = query.strip()
    match = _SHORT_FORM.match(compact)
    if match:
        return format_record_number(int(match.group(1)))
    return compact.upper()
