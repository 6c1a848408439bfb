"""`{{ amount|money:currency }}`: a Decimal amount as '$1,234.50' (domain/money.py format_money)."""

from decimal import Decimal

from django import template

from ketacare.billing.domain.money import format_money

register = template.Library()


@register.filter
def money(amount, currency: str = "USD") -> str:
    if amount in (None, ""):
        return ""
    return format_money(Decimal(amount), currency or "USD")
