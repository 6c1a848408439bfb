"""Which status changes a diagnosis, allergy or medication entry may make.

Clinical entries are never deleted: a mistake becomes "entered in error",
which is final; a resolved diagnosis can recur and an inactive allergy can be
reactivated, but a stopped medication that restarts is a new entry (with its
own start date).
"""

ACTIVE = "active"
ENTERED_IN_ERROR = "entered_in_error"

DIAGNOSIS_TRANSITIONS: dict[str, frozenset[str]] = {
    ACTIVE: frozenset({"resolved", ENTERED_IN_ERROR}),
    "resolved": frozenset({ACTIVE, ENTERED_IN_ERROR}),
    ENTERED_IN_ERROR: frozenset(),
}
ALLERGY_TRANSITIONS: dict[str, frozenset[str]] = {
    ACTIVE: frozenset({"inactive", ENTERED_IN_ERROR}),
    "inactive": frozenset({ACTIVE, ENTERED_IN_ERROR}),
    ENTERED_IN_ERROR: frozenset(),
}
MEDICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ACTIVE: frozenset({"stopped", ENTERED_IN_ERROR}),
    "stopped": frozenset({ENTERED_IN_ERROR}),
    ENTERED_IN_ERROR: frozenset(),
}


def transition_problem(transitions: dict[str, frozenset[str]], current: str, new: str) -> str | None:
    """Why `current` -> `new` is not allowed, or None when it is."""
    if new not in transitions:
        return f"{new!r} is not a status."
    if new == current:
        return "The entry already has this status."
    if new not in transitions.get(current, frozenset()):
        if current == ENTERED_IN_ERROR:
            return "An entry marked as entered in error cannot change."
        return f"A {_words(current)} entry cannot become {_words(new)}."
    return None


def _words(status: str) -> str:
    return status.replace("_", " ")


# The care stages the journey's actions move a patient to by themselves (issue 14.7), each from the stages
# it may follow: the candidacy intake starts screening, a candidacy approval the consultation, a started
# plan the induction (again, after a discharge), the end of induction maintenance, a completed plan the
# discharge. A stage staff set by hand (with a reason) is never moved back by an action.
AUTOMATIC_STAGE_MOVES: dict[str, frozenset[str]] = {
    "screening": frozenset({"registered"}),
    "consultation": frozenset({"registered", "screening"}),
    "induction": frozenset({"registered", "screening", "consultation", "discharged"}),
    "maintenance": frozenset({"induction"}),
    "discharged": frozenset({"induction", "maintenance"}),
}
