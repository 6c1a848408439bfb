"""REST endpoints of scheduling (/api/v1/scheduling)."""

from ninja import Router

router = Router(tags=["scheduling"])
