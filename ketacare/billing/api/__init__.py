"""Billing's REST API under /api/v1/billing/: one router per topic."""

from ninja import Router

from ketacare.billing.api import accounts, charges, claims, fees, insurance

router = Router(tags=["billing"])
for topic in (fees, charges, accounts, insurance, claims):
    router.add_router("", topic.router)
