"""Database ids that come from outside: a URL, a form, an API body, a command line.

Primary keys are 64-bit (BigAutoField), so an id is a whole number from 1 to 2**63 - 1. A larger
one cannot name a row, and in a foreign-key lookup SQLite raises OverflowError on it (Django guards
only the primary key's own lookups), so every id from outside is checked here, in one spelling,
before it reaches a query. Out of range is "not found", never an error of its own.
"""

from typing import Annotated

from pydantic import Field

DB_ID_MAX = 2**63 - 1  # the largest bigint

# An id in an API body or query (pydantic/ninja): out of range is a 422 naming the field.
DbId = Annotated[int, Field(ge=1, le=DB_ID_MAX)]


def is_db_id(value: object) -> bool:
    """True for a whole number a primary key can hold (bool is not a number here)."""
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= DB_ID_MAX


def db_id_or_zero(value: object) -> int:
    """`value` when it is a database id, else 0, which no row has: `filter(pk=db_id_or_zero(x))`
    finds nothing for a wrong id instead of failing. Fits what Django's `<int:...>` path converter
    passes to a view, and anything an action is handed."""
    return value if isinstance(value, int) and is_db_id(value) else 0
