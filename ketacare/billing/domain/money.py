"""Money arithmetic: Decimal amounts in a currency's major unit, rounded to cents half-up, never floats."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
# What this build prints; any ISO 4217 code with two decimal places works the same way.
CURRENCY_SYMBOLS = {"USD": "$", "CAD": "CA$", "EUR": "€", "GBP": "£", "AUD": "A$"}


def to_cents(amount: Decimal) -> Decimal:
    """`amount` rounded to the cent, half away from zero (how invoices and claims round)."""
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def parse_amount(text: str) -> Decimal:
    """A typed amount ("1,234.50", "$20") as Decimal cents; ValueError names what is wrong."""
    cleaned = text.strip().replace(",", "").lstrip("$€£")
    try:
        amount = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not amount.is_finite():
        raise ValueError(f"{text!r} is not an amount")
    if amount != to_cents(amount):
        raise ValueError("Amounts are in whole cents")
    return amount


def format_money(amount: Decimal, currency: str) -> str:
    """'$1,234.50' / '-$20.00'; an unknown currency prints its code: '1,234.50 CHF'."""
    sign = "-" if amount < 0 else ""
    digits = f"{abs(to_cents(amount)):,.2f}"
    symbol = CURRENCY_SYMBOLS.get(currency)
    return f"{sign}{symbol}{digits}" if symbol else f"{sign}{digits} {currency}"
