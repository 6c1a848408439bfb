"""Billing's REST API under /api/v1/billing/: one router per topic."""

from ninja import Router

from ketacare.billing.api import accounts, charges, claims, fees, insurance, packages

router = Router(tags=["billing"])
for topic in (fees, charges, accounts, packages, insurance, claims):
    router.add_router("", topic.router)
