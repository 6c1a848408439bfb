"""A claim's life: which status may follow which (the statuses are billing.models.ClaimStatus's values).

draft → ready (when it has what an 837P needs) → sent (exported in a file, or sent on paper) → paid or
denied; a ready claim may go back to draft to be corrected, and a denied one back to ready to be sent
again after its correction. A paid claim is done: money corrections are account entries, not claim states.

Once the payer has received a claim (sent, paid or denied) it is corrected or cancelled only by another
claim naming the payer's claim control number (837P CLM05-3 and REF*F8): a replacement (frequency code 7)
or a void (8). The original then becomes replaced or voided and stays so (unless that claim is withdrawn):
its replacement carries on.

A draft or ready claim the payer never received may be withdrawn (built by mistake, or a correction of the
wrong claim): withdrawn is ended, its charges may go on another claim, and a withdrawn correction gives the
claim it corrected back the status it had before. Withdrawing is not one of the moves below but an action of
its own (billing/actions/claims.py do_withdraw_claim): it needs a reason and gives charges and claims back.
"""

from collections.abc import Sequence

DRAFT, READY, SENT, PAID, DENIED = "draft", "ready", "sent", "paid", "denied"
REPLACED, VOIDED = "replaced", "voided"
WITHDRAWN = "withdrawn"

CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({READY}),
    READY: frozenset({DRAFT, SENT}),
    SENT: frozenset({PAID, DENIED}),
    DENIED: frozenset({READY}),
    PAID: frozenset(),
    REPLACED: frozenset(),
    VOIDED: frozenset(),
    WITHDRAWN: frozenset(),
}
# The payer has decided: a savings-program (secondary) claim may follow.
DECIDED = frozenset({PAID, DENIED})
# The payer has the claim (and gave it a claim control number): it may be replaced or voided.
RECEIVED = frozenset({SENT, PAID, DENIED})
# Ended by a replacement or void claim (until that claim is withdrawn).
CORRECTED = frozenset({REPLACED, VOIDED})

# 837P CLM05-3, the claim frequency type code (NUBC): an original claim, a replacement of a prior claim,
# a void (cancel) of a prior claim.
ORIGINAL, REPLACEMENT, VOID = "1", "7", "8"
FREQUENCY_CODES = frozenset({ORIGINAL, REPLACEMENT, VOID})
# These name the claim they correct by the payer's claim control number (REF*F8).
CORRECTING_FREQUENCIES = frozenset({REPLACEMENT, VOID})


def may_change(current: str, new: str) -> bool:
    return new in CLAIM_TRANSITIONS.get(current, frozenset())


def correction_problem(status: str, frequency_code: str) -> str | None:
    """Why a claim in `status` with `frequency_code` cannot be replaced or voided (None: it can)."""
    if frequency_code == VOID:
        return "A void claim cannot itself be corrected or voided."
    if status == REPLACED:
        return "This claim is already replaced: correct or void its replacement."
    if status == VOIDED:
        return "This claim is already voided."
    if status not in RECEIVED:
        return "Only a claim the payer has received (sent, paid or denied) is corrected or voided; change this one."
    return None


def withdrawal_problem(history: Sequence[str]) -> str | None:
    """Why a claim whose statuses were `history` (oldest first, the last its status now) cannot be withdrawn
    (None: it can). Only a draft or ready claim that was never sent is: a denied claim made ready again
    went to the payer once, and the payer's record of it stays."""
    status = history[-1]
    if status == WITHDRAWN:
        return "This claim is already withdrawn."
    if status in CORRECTED:
        return f"This claim is already {status}."
    if status in RECEIVED:
        return "The payer has this claim: void it instead."
    if SENT in history:
        return "The payer received this claim when it was sent: send it again, then correct or void it."
    return None
