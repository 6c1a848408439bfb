"""What every billing table shares: money fields and the user foreign key."""

from decimal import Decimal

from django.conf import settings
from django.db import models

USER = settings.AUTH_USER_MODEL
# Amounts in the currency's major unit with cents; never floats (DESIGN.md, "Money").
MONEY = {"max_digits": 12, "decimal_places": 2}
ZERO = Decimal("0.00")


class CurrencyField(models.CharField):
    """ISO 4217 code; every money row carries its currency."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 3)
        kwargs.setdefault("default", "USD")
        super().__init__(*args, **kwargs)
