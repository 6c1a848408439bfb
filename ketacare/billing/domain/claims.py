"""A claim's life: which status may follow which (the statuses are billing.models.ClaimStatus's values).

draft → ready (when it has what an 837P needs) → sent (exported in a file, or sent on paper) → paid or
denied; a ready claim may go back to draft to be corrected, and a denied one back to ready to be sent
again after its correction. A paid claim is done: money corrections are account entries, not claim states.
"""

DRAFT, READY, SENT, PAID, DENIED = "draft", "ready", "sent", "paid", "denied"

CLAIM_TRANSITIONS: dict[str, frozenset[str]] = {
    DRAFT: frozenset({READY}),
    READY: frozenset({DRAFT, SENT}),
    SENT: frozenset({PAID, DENIED}),
    DENIED: frozenset({READY}),
    PAID: frozenset(),
}
# The payer has decided: a savings-program (secondary) claim may follow.
DECIDED = frozenset({PAID, DENIED})


def may_change(current: str, new: str) -> bool:
    return new in CLAIM_TRANSITIONS.get(current, frozenset())
