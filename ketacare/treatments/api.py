"""REST endpoints of treatment sessions (charting) (/api/v1/treatments)."""

from ninja import Router

router = Router(tags=["treatments"])
