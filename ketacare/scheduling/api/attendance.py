"""REST endpoints of attendance (/api/v1/scheduling): recording a no-show, a patient's attendance counts.

The operation ids are those these endpoints had before the split (see api/__init__.py).
"""

from ninja import Router

from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.scheduling.actions.attendance import do_mark_no_show
from ketacare.scheduling.schemas import AppointmentStatusOut, AttendanceOut, NoShowIn
from ketacare.scheduling.selectors.attendance import access_attendance_by_patient_id

router = Router()
OPERATION_ID_PREFIX = "ketacare_scheduling_api_feeds_"


@router.post(
    "/appointments/{appointment_id}/no-show",
    response={200: AppointmentStatusOut, **WRITE_ERRORS},
    operation_id=OPERATION_ID_PREFIX + "mark_no_show",
)
def mark_no_show(request, payload: NoShowIn, appointment_id: int = PathId):
    """Record a no-show (a booked appointment whose start has passed; staff who book)."""
    return do_mark_no_show(request.auth, appointment_id, reason=payload.reason)


@router.get(
    "/patients/{patient_id}/attendance",
    response={200: AttendanceOut, **READ_ERRORS},
    operation_id=OPERATION_ID_PREFIX + "patient_attendance",
)
def patient_attendance(request, patient_id: int = PathId):
    """No-shows, late and timely cancellations and attended appointments of one patient."""
    summary = access_attendance_by_patient_id(request.auth, patient_id)
    return {
        "patient_id": summary.patient.pk,
        "no_shows": summary.no_shows,
        "late_cancellations": summary.late_cancellations,
        "cancellations": summary.cancellations,
        "attended": summary.attended,
    }
