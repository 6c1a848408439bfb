"""REST endpoints of the ledger's products (/api/v1/ledger/products)."""

from ninja import Router

from ketacare.ledger.schemas import ProductOut
from ketacare.ledger.selectors.products import products
from ketacare.lib.api import LIST_ERRORS

router = Router()


@router.get(
    "/products", response={200: list[ProductOut], **LIST_ERRORS}, operation_id="ketacare_ledger_api_list_products"
)
def list_products(request):
    return list(products(request.auth))
