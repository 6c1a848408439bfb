"""Billing hears of signed care (the signing hooks of treatments, consultations and therapy) and makes its charges.

Each receiver runs inside the signing action's transaction: a failure rolls the signing back, so a clinic
without a fee schedule or rules simply gets no charge (create_charges_for_care returns none).
"""

from ketacare.billing.actions.charges import (
    charges_for_signed_consultation,
    charges_for_signed_progress_note,
    charges_for_signed_session,
)


def on_session_signed(sender, *, session, actor, **kwargs) -> None:
    charges_for_signed_session(actor, session)


def on_consultation_note_signed(sender, *, note, actor, **kwargs) -> None:
    charges_for_signed_consultation(actor, note)


def on_progress_note_signed(sender, *, note, actor, **kwargs) -> None:
    charges_for_signed_progress_note(actor, note)


def connect() -> None:
    """Called from BillingConfig.ready(); dispatch_uid keeps a second call from connecting twice."""
    from ketacare.consultations.hooks import consultation_note_signed
    from ketacare.therapy.hooks import progress_note_signed
    from ketacare.treatments.hooks import session_signed

    session_signed.connect(on_session_signed, dispatch_uid="billing.charges.session_signed")
    consultation_note_signed.connect(on_consultation_note_signed, dispatch_uid="billing.charges.consultation_signed")
    progress_note_signed.connect(on_progress_note_signed, dispatch_uid="billing.charges.progress_note_signed")
