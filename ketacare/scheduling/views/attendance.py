"""Pages of attendance: a patient's no-shows and cancellations, and recording a no-show."""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.lib.views import run_action
from ketacare.scheduling.actions.attendance import do_mark_no_show
from ketacare.scheduling.forms import ReasonForm
from ketacare.scheduling.selectors.attendance import access_attendance_by_patient_id
from ketacare.scheduling.selectors.booking import access_appointment_by_id


@require_GET
@permission_required(Permission.SCHEDULE_VIEW)
def patient_attendance(request, patient_id: int):
    summary = access_attendance_by_patient_id(request.user, patient_id)
    return render(request, "scheduling/feed_attendance.html", {"summary": summary, "form": ReasonForm()})


@require_POST
@permission_required(Permission.SCHEDULE_BOOK)
def mark_no_show(request, appointment_id: int):
    """Record a no-show, then back to the patient's attendance (404 for another organisation's)."""
    appointment = access_appointment_by_id(request.user, appointment_id, audit=False)
    form = ReasonForm(request.POST)

    def mark_if_valid():
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return do_mark_no_show(request.user, appointment_id, reason=form.cleaned_data["reason"])

    return run_action(
        request,
        mark_if_valid,
        success="Recorded as a no-show.",
        redirect_to=reverse("scheduling:patient_attendance", args=[appointment.patient_id]),
    )
