"""REST endpoints of esketamine rems (/api/v1/rems)."""

from ninja import Router

router = Router(tags=["rems"])
