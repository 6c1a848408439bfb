"""Notices shown on a session's chart from check-in until it is signed, registered by the apps above treatments.

Unlike start checks (start_checks.py), a notice never stops a dose: it tells front desk and the nurse
something worth acting on before treating (billing registers "the esketamine prior authorisation is
missing, used up or expired"). Treatments imports nothing of the apps that register here.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ketacare.treatments.models import TreatmentSession

# What staff should know about `session`, one sentence each; [] when nothing.
CheckinNotice = Callable[["TreatmentSession"], list[str]]

_notices: dict[str, CheckinNotice] = {}

# Once signed or cancelled there is nothing left to act on at the chair.
_CLOSED_STATUSES = frozenset({"signed", "cancelled"})


def register_checkin_notice(name: str, notice: CheckinNotice) -> None:
    """Show `notice`'s sentences on every open session's chart under `name` (registering a name again
    replaces it, so an app's ready() running twice does not show a notice twice)."""
    _notices[name] = notice


def checkin_notices(session: "TreatmentSession") -> dict[str, list[str]]:
    """Each registered notice's sentences for an open `session`, by name; {} when there is nothing to say."""
    if session.status in _CLOSED_STATUSES:
        return {}
    notices = {}
    for name, notice in _notices.items():
        sentences = notice(session)
        if sentences:
            notices[name] = sentences
    return notices
