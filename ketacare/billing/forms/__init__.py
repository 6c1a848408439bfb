"""Billing's HTML forms, one module per topic. They parse input; the actions hold the rules."""
