"""REST endpoints of controlled-substance ledger (/api/v1/ledger)."""

from ninja import Router

router = Router(tags=["ledger"])
