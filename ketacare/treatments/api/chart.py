"""One session's chart (audited as a view of the patient's record)."""

from ketacare.lib.api import READ_ERRORS, PathId
from ketacare.treatments.api.common import router
from ketacare.treatments.schemas import TreatmentSessionOut, session_out
from ketacare.treatments.selectors import access_session_by_id


@router.get("/{session_id}", response={200: TreatmentSessionOut, **READ_ERRORS})
def get_session(request, session_id: int = PathId):
    return session_out(access_session_by_id(request.auth, session_id))
