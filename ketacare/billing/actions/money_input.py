"""Amounts, counts and choices an action is handed (from a page, the API or a command), checked once.

Money is Decimal in whole cents, never a float: a float cannot say 0.10 exactly, so it is refused rather
than rounded behind the caller's back.
"""

from decimal import Decimal

from django.core.exceptions import ValidationError

from ketacare.billing.domain.money import parse_amount

# One entry's ceiling: far above any clinic bill, far below what the column holds (12 digits).
MAX_AMOUNT = Decimal("1000000.00")


def clean_amount(field: str, value: object, *, signed: bool = False) -> Decimal:
    """`value` (Decimal, int or text such as "1,234.50") as Decimal cents; greater than zero unless `signed`
    (then anything but zero); ValidationError({field: ...}) otherwise."""
    if isinstance(value, bool) or isinstance(value, float) or value is None:
        raise ValidationError({field: "Give an amount such as 120.00."})
    try:
        amount = parse_amount(str(value))
    except ValueError as exc:
        raise ValidationError({field: f"{exc}."}) from None
    if amount == 0 or (amount < 0 and not signed):
        raise ValidationError(
            {field: "Give an amount above zero." if not signed else "Give an amount other than zero."}
        )
    if abs(amount) > MAX_AMOUNT:
        raise ValidationError({field: f"An entry is at most {MAX_AMOUNT:,}."})
    return amount


def clean_choice(field: str, value: object, choices) -> str:
    """`value` when it is one of `choices` (a TextChoices class or a collection of values)."""
    allowed = choices.values if hasattr(choices, "values") else list(choices)
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError({field: f"Choose one of: {', '.join(allowed)}."})
    return value


def clean_count(field: str, value: object, *, low: int, high: int) -> int:
    """`value` when it is a whole number (an int, not a bool) from `low` to `high`."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError({field: f"Give a whole number from {low} to {high}."})
    return value
