"""Billing's pages, one module per topic; each module's `urlpatterns` is mounted by billing/urls.py."""
