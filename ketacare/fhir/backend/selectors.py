from django.db.models import F
from django.http import Http404

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.fhir.backend.models import BackendClient
from ketacare.lib.ids import db_id_or_zero


def backend_clients(actor):
    """The clinic's backend clients (ORGANISATION_SETTINGS), active ones first."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    return BackendClient.objects.filter(organisation_id=actor.organisation_id).order_by(
        F("disabled_at").asc(nulls_first=True), "name", "pk"
    )


def backend_client(actor, pk: int) -> BackendClient:
    """One of the clinic's backend clients; 404 for any other id (another clinic's too)."""
    client = backend_clients(actor).filter(pk=db_id_or_zero(pk)).first()
    if client is None:
        raise Http404("No such backend client.")
    return client
