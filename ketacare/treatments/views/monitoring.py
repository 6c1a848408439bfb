"""Monitoring: the prompt strip (vital checks due, the device rest, the session clock), the
vitals, rating and adverse-event steps, and a patient's vitals across sessions."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.patients.selectors import access_patient_by_id
from ketacare.treatments import actions, clock
from ketacare.treatments.charts import across_sessions_chart_for
from ketacare.treatments.domain.devices import next_device_at
from ketacare.treatments.forms import AdverseEventForm, RatingForm, VitalsForm
from ketacare.treatments.selectors import (
    access_session_by_id,
    minutes_since_start,
    sessions_of_patient,
    vital_schedule,
)
from ketacare.treatments.views.common import form_step, run_step


def prompts_context(session, now) -> dict:
    """What the nurse must do now: vital checks due, the device rest, the session clock."""
    minute = minutes_since_start(session, now)
    next_device = next_device_at([d.administered_at for d in session.devices.all()])
    return {
        "session": session,
        "minute_now": None if minute is None else int(minute),
        "due_checks": [c for c in vital_schedule(session, now) if c.state == "due"],
        "next_device_at": next_device if next_device and next_device > now else None,
    }


@permission_required(Permission.SESSION_VIEW)
@require_GET
def prompts(request, pk: int):
    """The prompt strip, polled by the page every 30 s (not audited: the page view was)."""
    session = access_session_by_id(request.user, pk, audit=False)
    return render(request, "treatments/_prompts.html", prompts_context(session, clock.now()))


@permission_required(Permission.SESSION_VIEW)
@require_GET
def patient_vitals(request, patient_id: int):
    """A patient's sessions and their vitals across sessions, with the threshold lines."""
    patient = access_patient_by_id(request.user, patient_id)
    sessions = sessions_of_patient(request.user, patient)
    return render(
        request,
        "treatments/patient_vitals.html",
        {
            "patient": patient,
            "sessions": sessions,
            "chart": across_sessions_chart_for(sessions),
        },
    )


def _vitals(request, pk, data):
    vital = actions.do_record_vitals(request.user, pk, **data)
    if vital.stop_reasons:
        return "STOP LEVEL: " + " ".join(vital.stop_reasons) + " Consider stopping administration."
    if vital.minutes_late:
        return f"Vital signs saved ({vital.minutes_late} min late for the {vital.scheduled_minute}-minute check)."
    return "Vital signs saved."


def _step_rating(request, pk):
    prefix = "cadss" if request.POST.get("cadss-instrument") == "cadss" else "moaas"
    form = RatingForm(request.POST, instrument=prefix, prefix=prefix)
    return run_step(
        form,
        prefix,
        lambda: actions.do_record_rating(request.user, pk, instrument=prefix, answers=form.answers()),
        lambda rating: f"{form.instrument.name} {rating.response.total} recorded.",
    )


STEPS = {
    "vitals": form_step(VitalsForm, "vitals", _vitals, "Vital signs saved."),
    "rating": _step_rating,
    "adverse_event": form_step(
        AdverseEventForm,
        "adverse_event",
        lambda r, pk, d: actions.do_record_adverse_event(r.user, pk, **d),
        "Adverse event recorded.",
    ),
}
