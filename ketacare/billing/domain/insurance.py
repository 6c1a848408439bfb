"""Pure rules of the Spravato access pathway: which codes an authorisation covers, what is left of it, and
when to warn (no Django here: the selectors give plain facts)."""

import datetime as dt
from dataclasses import dataclass

# Esketamine's billing codes (ANCHORS.md part 2, [O12][K9][K10]): J0013 per 1 mg from 2026-01-01,
# replacing S0013; G2082 (up to 56 mg) and G2083 (over 56 mg) are the bundled codes for established
# Medicare patients. A prior authorisation for the drug covers whichever of them the visit is billed with.
ESKETAMINE_CODES = frozenset({"J0013", "S0013", "G2082", "G2083"})

# Warn when this few approved visits are left, or the authorisation expires within this many days
# (issue 18; a renewal takes 3-14 days, ANCHORS.md part 2 [K6][K7]). Clinic practice, not a payer rule.
LOW_VISITS_LEFT = 2
EXPIRY_WARNING_DAYS = 14


def normalise_code(code: str) -> str:
    return code.strip().upper()


def authorization_covers_code(authorized_code: str, code: str | None) -> bool:
    """An authorisation with no code covers any service; one for an esketamine code covers the others."""
    authorized = normalise_code(authorized_code)
    if not authorized or code is None:
        return True
    wanted = normalise_code(code)
    if authorized == wanted:
        return True
    return authorized in ESKETAMINE_CODES and wanted in ESKETAMINE_CODES


def within_dates(start: dt.date | None, end: dt.date | None, on_date: dt.date) -> bool:
    """Open ends count as unbounded."""
    return (start is None or start <= on_date) and (end is None or on_date <= end)


@dataclass(frozen=True)
class UsageFacts:
    """What the payer approved and what has been used (counted by the selector)."""

    approved_sessions: int | None
    approved_units: int | None
    sessions_used: int
    units_used: int
    end_date: dt.date | None


@dataclass(frozen=True)
class Usage:
    sessions_used: int
    units_used: int
    sessions_left: int | None  # None: the payer approved no session count
    units_left: int | None
    days_to_expiry: int | None  # None: no end date; negative once expired

    @property
    def is_exhausted(self) -> bool:
        return (self.sessions_left is not None and self.sessions_left <= 0) or (
            self.units_left is not None and self.units_left <= 0
        )

    @property
    def is_expired(self) -> bool:
        return self.days_to_expiry is not None and self.days_to_expiry < 0

    @property
    def warnings(self) -> list[str]:
        return usage_warnings(self)


def usage(facts: UsageFacts, on_date: dt.date) -> Usage:
    sessions_left = None if facts.approved_sessions is None else facts.approved_sessions - facts.sessions_used
    units_left = None if facts.approved_units is None else facts.approved_units - facts.units_used
    days = None if facts.end_date is None else (facts.end_date - on_date).days
    return Usage(facts.sessions_used, facts.units_used, sessions_left, units_left, days)


def usage_warnings(used: Usage) -> list[str]:
    """Sentences for staff: exhausted or expired first, then running low or expiring soon; [] when fine."""
    if used.is_expired:
        return [f"The prior authorisation expired {-(used.days_to_expiry or 0)} day(s) ago."]
    warnings = []
    if used.sessions_left is not None:
        if used.sessions_left <= 0:
            warnings.append("The prior authorisation's approved sessions are used up.")
        elif used.sessions_left <= LOW_VISITS_LEFT:
            warnings.append(f"Only {used.sessions_left} approved session(s) left on the prior authorisation.")
    if used.units_left is not None:
        if used.units_left <= 0:
            warnings.append("The prior authorisation's approved units are used up.")
    if used.days_to_expiry is not None and used.days_to_expiry <= EXPIRY_WARNING_DAYS:
        warnings.append(f"The prior authorisation expires in {used.days_to_expiry} day(s).")
    return warnings
