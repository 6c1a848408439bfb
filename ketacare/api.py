"""The REST API (django-ninja), mounted at /api/v1/; each app contributes a router."""

from django.core.exceptions import PermissionDenied, ValidationError
from ninja import NinjaAPI
from ninja.errors import AuthenticationError

from ketacare.accounts.api_auth import ApiTokenAuth, SessionAuth

api = NinjaAPI(
    title="KetaCare API",
    version="1",
    description=(
        "REST API of KetaCare. Authenticate with a session cookie (plus CSRF token) or "
        "`Authorization: Bearer <token>`. Errors carry a `detail` list naming each field."
    ),
    auth=[ApiTokenAuth(), SessionAuth()],
    urls_namespace="api",
)


@api.exception_handler(ValidationError)
def on_validation_error(request, exc: ValidationError):
    return api.create_response(request, {"detail": validation_details(exc)}, status=422)


@api.exception_handler(PermissionDenied)
def on_permission_denied(request, exc: PermissionDenied):
    return api.create_response(request, {"detail": str(exc) or "Permission denied"}, status=403)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request, exc: AuthenticationError):
    return api.create_response(request, {"detail": "Authentication required"}, status=401)


def validation_details(exc: ValidationError) -> list[dict]:
    """Django ValidationError -> [{"loc": [...], "msg": ...}] like ninja's own 422s."""
    if hasattr(exc, "error_dict"):
        return [
            {"loc": ["body", field], "msg": message} for field, errors in exc.message_dict.items() for message in errors
        ]
    return [{"loc": ["body"], "msg": message} for message in exc.messages]


def _register_routers() -> None:
    from ketacare.billing.api import router as billing_router
    from ketacare.candidacy.api import router as candidacy_router
    from ketacare.clinics.api import router as locations_router
    from ketacare.consents.api import router as consents_router
    from ketacare.consultations.api import router as consultations_router
    from ketacare.documents.api import router as documents_router
    from ketacare.inquiries.api import router as inquiries_router
    from ketacare.ledger.api import router as ledger_router
    from ketacare.measures.api import router as measures_router
    from ketacare.patients.api import router as patients_router
    from ketacare.protocols.api import router as protocols_router
    from ketacare.rems.api import router as rems_router
    from ketacare.reports.api import router as audit_router
    from ketacare.reports.letters.api import router as letters_router
    from ketacare.scheduling.api import router as scheduling_router
    from ketacare.staff.api import router as staff_router
    from ketacare.therapy.api import router as therapy_router
    from ketacare.treatments.api import router as treatments_router

    api.add_router("/inquiries", inquiries_router)
    api.add_router("/locations", locations_router)
    api.add_router("/patients", patients_router)
    api.add_router("/documents", documents_router)
    api.add_router("/audit", audit_router)
    api.add_router("/measures", measures_router)
    api.add_router("/candidacy", candidacy_router)
    api.add_router("/protocols", protocols_router)
    api.add_router("/scheduling", scheduling_router)
    api.add_router("/ledger", ledger_router)
    api.add_router("/sessions", treatments_router)
    api.add_router("/rems", rems_router)
    api.add_router("/therapy", therapy_router)
    api.add_router("/consents", consents_router)
    api.add_router("/consultations", consultations_router)
    api.add_router("/letters", letters_router)
    api.add_router("/staff", staff_router)
    api.add_router("/billing", billing_router)


_register_routers()
