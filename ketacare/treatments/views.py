"""The nurse's day list and the session page (tablet-sized, htmx partial updates), the record PDF.

Thin: each step parses one form and calls one action; the page is re-rendered from the
selectors. With htmx a step answers with the session panel only; without it, a redirect.
"""

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.ledger.selectors import available_vials
from ketacare.lib.forms import error_text, show_errors
from ketacare.measures.models import AssignmentStatus
from ketacare.patients.selectors import access_patient_by_id
from ketacare.treatments import actions, clock
from ketacare.treatments.charts import across_sessions_chart_for, session_chart_for
from ketacare.treatments.domain.devices import devices_for_dose, next_device_at
from ketacare.treatments.domain.status import CHECKS_ALLOWED
from ketacare.treatments.forms import (
    AddendumForm,
    AdverseEventForm,
    ChecklistForm,
    DischargeForm,
    DoseForm,
    RatingForm,
    ReasonForm,
    SettingsForm,
    VitalsForm,
    WasteForm,
    colleague_choices,
)
from ketacare.treatments.models import CheckItem, SessionStatus, TreatmentSettings
from ketacare.treatments.record_pdf import session_record_pdf
from ketacare.treatments.selectors import (
    access_location_by_id,
    access_session_by_id,
    day_list,
    discharge_range_of,
    locations_of,
    min_observation_of,
    minutes_since_start,
    required_checks_of,
    sessions_of_patient,
    settings_of,
    vital_schedule,
)


@permission_required(Permission.SESSION_VIEW)
@require_GET
def day(request):
    """Today's treatment appointments at one of the clinic's locations, with "start session"."""
    user = request.user
    locations = locations_of(user)
    if not locations:
        raise Http404("This clinic has no locations")
    location = locations[0]
    location_id = request.GET.get("location", "")
    if location_id.isdigit() and len(location_id) < 19:
        location = access_location_by_id(user, int(location_id))
    today = timezone.now().astimezone(location.zone).date()
    try:
        on = dt.date.fromisoformat(request.GET["date"]) if request.GET.get("date") else today
    except ValueError:
        on = today
        messages.error(request, "Date: give it as YYYY-MM-DD; showing today.")
    return render(request, "treatments/day.html", {
        "location": location, "locations": locations, "on": on, "rows": day_list(user, location, on),
        "may_chart": user_may(user, Permission.SESSION_CHART),
    })


@permission_required(Permission.SESSION_CHART)
@require_POST
def start(request, appointment_id: int):
    try:
        session = actions.do_start_session(request.user, appointment_id)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("treatments:day")
    return redirect("treatments:session", pk=session.pk)


# --------------------------------------------------------------------------- the session page


def _forms_for(request, session, bound=None) -> dict:
    """The forms the current status offers (a bound one replaces its blank twin)."""
    user = request.user
    settings = settings_of(session)
    status = session.status
    forms: dict = {}
    if status in CHECKS_ALLOWED:
        answered = {c.item: c for c in session.checks.all()}
        forms["checklist"] = ChecklistForm(items=required_checks_of(session, settings), initial={
            **{f"check_{item}": c.passed for item, c in answered.items()},
            "weight_kg": session.weight_kg if session.weight_measured_on == session.checked_in_at.astimezone(
                session.location.zone).date() else None,
            "interacting_medicines": session.interacting_medicines,
            "pregnancy_test_note": answered["pregnancy_test"].note if "pregnancy_test" in answered else "",
        })
    if status in (SessionStatus.CHECKED_IN, SessionStatus.HELD, SessionStatus.PRECHECKS_DONE, SessionStatus.DOSING,
                  SessionStatus.ADMINISTERING, SessionStatus.OBSERVING):
        forms["vitals"] = VitalsForm()
        forms["adverse_event"] = AdverseEventForm()
    if status in (SessionStatus.CHECKED_IN, SessionStatus.HELD, SessionStatus.PRECHECKS_DONE):
        forms["cancel"] = ReasonForm()
    if status == SessionStatus.HELD and user_may(user, Permission.SESSION_OVERRIDE):
        forms["override"] = ReasonForm()
    colleagues = None
    if status == SessionStatus.PRECHECKS_DONE or (status == SessionStatus.DOSING and session.is_esketamine):
        colleagues = colleague_choices(user)
        forms["dose"] = DoseForm(
            vials=available_vials(user, session.location, actions.LEDGER_DRUG[session.drug]),
            colleagues=colleagues, esketamine=session.is_esketamine,
        )
    unwasted = [p for p in session.preparations.all() if p.waste_ledger_entry_id is None]
    if unwasted and status not in (SessionStatus.SIGNED,):
        colleagues = colleagues or colleague_choices(user)
        forms["waste"] = WasteForm(colleagues=colleagues, initial={"preparation": unwasted[0].pk})
        forms["waste_preparation"] = unwasted[0]
    if status in (SessionStatus.ADMINISTERING, SessionStatus.OBSERVING):
        forms["moaas"] = RatingForm(instrument="moaas", prefix="moaas")
        forms["cadss"] = RatingForm(instrument="cadss", prefix="cadss")
    if status == SessionStatus.OBSERVING:
        forms["discharge"] = DischargeForm()
    if status == SessionStatus.SIGNED:
        forms["addendum"] = AddendumForm()
    if bound is not None:
        forms.update(bound)
    return forms


def _context(request, session, bound=None, notice: str = "") -> dict:
    now = clock.now()
    settings = settings_of(session)
    vitals = list(session.vitals.all())
    preparations = list(session.preparations.all())
    devices = list(session.devices.all())
    planned_devices = None
    if session.is_esketamine and preparations:
        planned_devices = devices_for_dose(sum(p.dose_mg for p in preparations))
    gaps = {}
    if session.status == SessionStatus.OBSERVING:
        # What the clock and the vitals already say; the nurse's answers come with the form.
        gaps = actions.discharge_gaps(session, alert=True, walking_steadily=True, accompanied_home=True, now=now)
    checks = {c.item: c for c in session.checks.all()}
    zone = session.location.zone
    end_of_day = dt.datetime.combine(now.astimezone(zone).date() + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    return {
        **_prompts(session, now),
        "questionnaires_pending": list(session.patient.questionnaire_assignments.filter(
            status=AssignmentStatus.PENDING, due_at__lt=end_of_day)),
        "session": session,
        "zone": session.location.zone,
        "required_checks": [
            (item, CheckItem(item).label, checks.get(item)) for item in required_checks_of(session, settings)
        ],
        "vitals": vitals,
        "schedule": vital_schedule(session, now),
        "chart": session_chart_for(session, vitals),
        "preparations": preparations,
        "devices": devices,
        "planned_devices": planned_devices,
        "ratings": list(session.ratings.select_related("response")),
        "events": list(session.adverse_events.all()),
        "discharge_gaps": gaps,
        "discharge_range": discharge_range_of(session, settings),
        "min_observation_min": min_observation_of(session, settings),
        "signatures": list(session.signatures.select_related("signed_by")),
        "addenda": list(session.addenda.select_related("written_by")),
        "forms": _forms_for(request, session, bound),
        "may_sign": session.status == SessionStatus.DISCHARGED,
        "notice": notice,
    }


def _prompts(session, now) -> dict:
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
    return render(request, "treatments/_prompts.html", _prompts(session, clock.now()))


@permission_required(Permission.SESSION_VIEW)
@require_GET
def session_page(request, pk: int):
    session = access_session_by_id(request.user, pk)
    return render(request, "treatments/session.html", _context(request, session))


def _step_checklist(request, pk):
    session = access_session_by_id(request.user, pk, audit=False)
    form = ChecklistForm(request.POST, items=required_checks_of(session, settings_of(session)))
    if not form.is_valid():
        return {"checklist": form}, ""
    notes = {"pregnancy_test": form.cleaned_data.get("pregnancy_test_note", "")}
    try:
        actions.do_record_checklist(
            request.user, pk, answers=form.answers(), notes=notes, weight_kg=form.cleaned_data.get("weight_kg"),
            interacting_medicines=form.cleaned_data.get("interacting_medicines"),
        )
    except ValidationError as exc:
        show_errors(form, exc)
        return {"checklist": form}, ""
    return None, "Checklist saved."


def _step_prechecks(request, pk):
    session = actions.do_complete_prechecks(request.user, pk)
    if session.status == SessionStatus.HELD:
        return None, f"HELD: {session.hold_reason} A prescriber must override with a reason."
    return None, "Pre-session checks done: prepare the dose."


def _simple_form(form_class, name, call, done: str, **form_kwargs):
    def step(request, pk):
        form = form_class(request.POST, **form_kwargs)
        if not form.is_valid():
            return {name: form}, ""
        try:
            result = call(request, pk, form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
            return {name: form}, ""
        return None, result if isinstance(result, str) else done
    return step


def _vitals(request, pk, data):
    vital = actions.do_record_vitals(request.user, pk, **data)
    if vital.stop_reasons:
        return "STOP LEVEL: " + " ".join(vital.stop_reasons) + " Consider stopping administration."
    if vital.minutes_late:
        return f"Vital signs saved ({vital.minutes_late} min late for the {vital.scheduled_minute}-minute check)."
    return "Vital signs saved."


def _step_dose(request, pk):
    session = access_session_by_id(request.user, pk, audit=False)
    colleagues = colleague_choices(request.user)
    form = DoseForm(request.POST, vials=available_vials(request.user, session.location, actions.LEDGER_DRUG[session.drug]),
                    colleagues=colleagues, esketamine=session.is_esketamine)
    if not form.is_valid():
        return {"dose": form}, ""
    try:
        preparation = actions.do_prepare_dose(
            request.user, pk, vial_id=form.cleaned_data["vial_id"], checked_by_id=form.cleaned_data["checked_by"],
            dose_mg=form.cleaned_data.get("dose_mg"),
        )
    except ValidationError as exc:
        show_errors(form, exc)
        return {"dose": form}, ""
    volume = f" = {preparation.volume_ml.normalize():f} mL" if preparation.volume_ml is not None else ""
    return None, f"Drawn {preparation.dose_mg.normalize():f} mg{volume} from lot {preparation.lot}."


def _step_waste(request, pk):
    form = WasteForm(request.POST, colleagues=colleague_choices(request.user))
    if not form.is_valid():
        return {"waste": form}, ""
    try:
        actions.do_waste_remainder(
            request.user, pk, form.cleaned_data["preparation"], quantity_mg=form.cleaned_data["quantity_mg"],
            witness_id=form.cleaned_data["witness"], witness_password=form.cleaned_data["witness_password"],
            reason=form.cleaned_data["reason"],
        )
    except ValidationError as exc:
        show_errors(form, exc)
        return {"waste": form}, ""
    return None, "Waste recorded with the witness."


def _step_rating(request, pk):
    prefix = "cadss" if request.POST.get("cadss-instrument") == "cadss" else "moaas"
    form = RatingForm(request.POST, instrument=prefix, prefix=prefix)
    if not form.is_valid():
        return {prefix: form}, ""
    try:
        rating = actions.do_record_rating(request.user, pk, instrument=prefix, answers=form.answers())
    except ValidationError as exc:
        show_errors(form, exc)
        return {prefix: form}, ""
    return None, f"{form.instrument.name} {rating.response.total} recorded."


def _no_form(call, done):
    def step(request, pk):
        call(request.user, pk)
        return None, done
    return step


STEPS = {
    "checklist": _step_checklist,
    "vitals": _simple_form(VitalsForm, "vitals", _vitals, "Vital signs saved."),
    "prechecks": _step_prechecks,
    "override": _simple_form(ReasonForm, "override", lambda r, pk, d: actions.do_override_hold(
        r.user, pk, reason=d["reason"]), "Hold overridden: the session may go ahead."),
    "cancel": _simple_form(ReasonForm, "cancel", lambda r, pk, d: actions.do_cancel_session(
        r.user, pk, reason=d["reason"]), "Session recorded as not given."),
    "dose": _step_dose,
    "waste": _step_waste,
    "start": _no_form(actions.do_start_administration, "Administration started."),
    "stop": _no_form(actions.do_stop_administration, "Administration stopped: observation continues."),
    "device": _no_form(actions.do_record_device, "Device recorded: rest 5 minutes before the next."),
    "rating": _step_rating,
    "adverse_event": _simple_form(AdverseEventForm, "adverse_event", lambda r, pk, d: actions.do_record_adverse_event(
        r.user, pk, **d), "Adverse event recorded."),
    "discharge": _simple_form(DischargeForm, "discharge", lambda r, pk, d: actions.do_discharge(
        r.user, pk, **d), "Discharged."),
    "sign": _no_form(actions.do_sign_session, "Signed."),
    "addendum": _simple_form(AddendumForm, "addendum", lambda r, pk, d: actions.do_add_addendum(
        r.user, pk, text=d["text"]), "Addendum added."),
}


@permission_required(Permission.SESSION_CHART)
@require_POST
def step(request, pk: int, name: str):
    """One charting step; answers with the session panel (htmx) or a redirect."""
    handler = STEPS.get(name)
    if handler is None:
        raise Http404("No such step")
    access_session_by_id(request.user, pk, audit=False)  # another organisation's session: 404 before any parsing
    bound, notice, error = None, "", ""
    try:
        bound, notice = handler(request, pk)
    except ValidationError as exc:
        error = error_text(exc)
    session = access_session_by_id(request.user, pk, audit=False)
    if request.headers.get("HX-Request"):
        context = _context(request, session, bound, notice)
        context["error"] = error
        return render(request, "treatments/_panel.html", context, status=200)
    if bound is None and not error:
        if notice:
            messages.success(request, notice)
        return redirect("treatments:session", pk=pk)
    if error:
        messages.error(request, error)
    context = _context(request, session, bound)
    return render(request, "treatments/session.html", context, status=200 if not bound else 422)


@permission_required(Permission.SESSION_VIEW)
@require_GET
def record_pdf(request, pk: int):
    session = access_session_by_id(request.user, pk, audit=False)
    record_event(request.user, AuditAction.EXPORT, session, patient=session.patient, detail={"format": "pdf"})
    response = HttpResponse(session_record_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="session-{session.pk}.pdf"'
    return response


@permission_required(Permission.SESSION_VIEW)
@require_GET
def patient_vitals(request, patient_id: int):
    """A patient's sessions and their vitals across sessions, with the threshold lines."""
    patient = access_patient_by_id(request.user, patient_id)
    sessions = sessions_of_patient(request.user, patient)
    return render(request, "treatments/patient_vitals.html", {
        "patient": patient, "sessions": sessions, "chart": across_sessions_chart_for(sessions),
    })


@permission_required(Permission.ORGANISATION_SETTINGS)
def settings_page(request):
    """The clinic admin's charting settings (tolerance, observation minimums, discharge limits)."""
    current = TreatmentSettings.for_organisation(request.user.organisation)
    form = SettingsForm(request.POST if request.method == "POST" else None, instance=current)
    if form.is_bound and form.is_valid():
        try:
            actions.do_update_treatment_settings(request.user, **{
                name: form.cleaned_data[name] for name in form.changed_data
            })
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("treatments:settings")
    return render(request, "treatments/settings.html", {"form": form}, status=422 if form.errors else 200)
