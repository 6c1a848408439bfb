"""REST endpoint of waste with a witness (/api/v1/ledger/waste); doses are recorded through sessions."""

from django.core.exceptions import ValidationError
from ninja import Router

from ketacare.accounts.selectors import colleague_by_id
from ketacare.ledger.actions.administration import do_record_waste
from ketacare.ledger.schemas import EntryOut, WasteIn, entry_out
from ketacare.ledger.selectors.administration import patient_by_id
from ketacare.lib.api import WRITE_ERRORS

router = Router()


def _colleague(actor, user_id: int | None, field: str):
    if user_id is None:
        return None
    user = colleague_by_id(actor, user_id)
    if user is None:
        raise ValidationError({field: "No such colleague in your clinic."})
    return user


@router.post("/waste", response={201: EntryOut, **WRITE_ERRORS}, operation_id="ketacare_ledger_api_record_waste")
def record_waste(request, payload: WasteIn):
    """Waste co-signed by a witness who gives their password (wrong password: 422, nothing booked)."""
    actor = request.auth
    patient = None
    if payload.patient_id is not None:
        patient = patient_by_id(actor, payload.patient_id)
        if patient is None:
            raise ValidationError({"patient_id": "No such patient in your clinic."})
    try:
        entry = do_record_waste(
            actor,
            vial_id=payload.vial_id,
            quantity_mg=payload.quantity_mg,
            witness=_colleague(actor, payload.witness_id, "witness_id"),
            witness_password=payload.witness_password,
            reason=payload.reason,
            patient=patient,
            treatment_session_id=payload.treatment_session_id,
        )
    except ValidationError as exc:
        # The action names the person; the API names the id field it was given as.
        if hasattr(exc, "error_dict") and "witness" in exc.error_dict:
            raise ValidationError({"witness_id": exc.message_dict["witness"]}) from None
        raise
    return 201, entry_out(entry)
