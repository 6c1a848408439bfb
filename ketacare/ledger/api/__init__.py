"""REST endpoints of the controlled-substance ledger (/api/v1/ledger): the same actions and
selectors as the pages, one sub-router per topic (api/<topic>.py): products, stock, administration.

Operation ids are part of the published API (clients generate code from them). Ninja derives
them from the module of each endpoint; every endpoint pins the id it had when the API was one
module (`ketacare_ledger_api_<function>`), so the split renamed none.
"""

from ninja import Router

from ketacare.ledger.api import administration, products, stock

router = Router(tags=["ledger"])
router.add_router("", products.router)
router.add_router("", stock.router)
router.add_router("", administration.router)
