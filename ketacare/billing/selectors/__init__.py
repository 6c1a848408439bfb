"""Billing's selectors, one module per topic (fees, charges, packages, accounts, insurance, claims)."""
