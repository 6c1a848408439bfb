"""Rules of integration-therapy notes, pure Python.

Psychotherapy notes (HIPAA, 45 CFR 164.501: a mental-health professional's notes analysing a
session, kept separate from the rest of the record; 164.508(a)(2): disclosed only with the
patient's specific authorisation) are readable by their author and the treating prescriber only.
"""

from enum import StrEnum


class RiskCheck(StrEnum):
    NO_CONCERNS = "no_concerns"
    CONCERNS_DISCUSSED = "concerns_discussed"
    SAFETY_PLAN_REVIEWED = "safety_plan_reviewed"
    ESCALATED = "escalated"

    @property
    def label(self) -> str:
        return RISK_CHECK_LABELS[self]


RISK_CHECK_LABELS = {
    RiskCheck.NO_CONCERNS: "No risk concerns",
    RiskCheck.CONCERNS_DISCUSSED: "Concerns discussed",
    RiskCheck.SAFETY_PLAN_REVIEWED: "Safety plan reviewed",
    RiskCheck.ESCALATED: "Escalated to the prescriber",
}

# A risk check other than "no concerns" must say what was found and done.
RISK_NEEDS_NOTE = frozenset({RiskCheck.CONCERNS_DISCUSSED, RiskCheck.SAFETY_PLAN_REVIEWED, RiskCheck.ESCALATED})


def psychotherapy_note_denial(*, reader_id: int, author_id: int, treating_prescriber_id: int | None) -> str:
    """'' when the reader may read the note, otherwise why not (kept in the audit entry)."""
    if reader_id == author_id:
        return ""
    if treating_prescriber_id is not None and reader_id == treating_prescriber_id:
        return ""
    return "Psychotherapy notes are readable only by their author and the treating prescriber."


def progress_note_problems(
    *, themes: str, goals: str, practices: str, risk_check: str, risk_note: str
) -> dict[str, str]:
    """Field -> problem for a progress note that is to be signed (a draft may be incomplete)."""
    problems = {}
    for field, value in (("themes", themes), ("goals", goals), ("practices", practices)):
        if not value.strip():
            problems[field] = "Required before signing."
    try:
        check = RiskCheck(risk_check)
    except ValueError:
        problems["risk_check"] = "Record the risk check before signing."
    else:
        if check in RISK_NEEDS_NOTE and not risk_note.strip():
            problems["risk_note"] = "Say what was found and done."
    return problems
