"""What every sessions endpoint shares: the router the topic modules add to, and the session it
answers with after a step (read again, not audited: the step was). The id in the address and the
errors each endpoint documents are lib.api's."""

from ninja import Router

from ketacare.treatments.schemas import session_out
from ketacare.treatments.selectors import access_session_by_id

# One router for all topics, so each path stays exactly as mounted (/api/v1/sessions, not .../sessions/).
router = Router(tags=["sessions"])


def fresh_session(request, session_id: int) -> dict:
    return session_out(access_session_by_id(request.auth, session_id, audit=False))
