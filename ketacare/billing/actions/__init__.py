"""Billing's actions, one module per topic (fees, charges, packages, accounts, insurance, claims)."""
