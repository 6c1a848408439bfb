"""Ledger pages, one module per topic (the same topics as actions/, selectors/ and api/): stock
(balances, a location's inventory, receipts, a vial's history and its booking forms, resolving a
count), administration (waste with a witness), theft_loss, reports (DEA exports), products (the
settings page: settings, registrations, products, chain check). urls.py names each view by its module.

Thin: each view parses a form, calls one action or selector and renders or redirects; errors an
action raises are shown on the form, naming the field.
"""
