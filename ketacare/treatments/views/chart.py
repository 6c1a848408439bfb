"""The session page (tablet-sized, htmx partial updates), its step dispatcher, and the record PDF.

Thin: each step (one per topic module's STEPS) parses one form and calls one action; the page is
re-rendered from the selectors. With htmx a step answers with the session panel only; without it,
a redirect.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.ledger.selectors import available_vials
from ketacare.lib.forms import error_text
from ketacare.lib.zones import show_times_in
from ketacare.treatments import actions, clock
from ketacare.treatments.charts import session_chart_for
from ketacare.treatments.checkin_notices import checkin_notices
from ketacare.treatments.domain.devices import devices_for_dose
from ketacare.treatments.domain.status import CHECKS_ALLOWED
from ketacare.treatments.forms import (
    AddendumForm,
    AdverseEventForm,
    ChecklistForm,
    DischargeForm,
    DoseForm,
    RatingForm,
    ReasonForm,
    VitalsForm,
    WasteForm,
    colleague_choices,
)
from ketacare.treatments.models import CheckItem, SessionStatus
from ketacare.treatments.selectors import (
    access_session_by_id,
    discharge_gaps,
    discharge_range_of,
    min_observation_of,
    observation_start_of,
    required_checks_of,
    settings_of,
    vital_schedule,
)
from ketacare.treatments.selectors.bedside import bedside_facts, questionnaires_today
from ketacare.treatments.views import checkin, discharge, dosing, monitoring

STEPS = {**checkin.STEPS, **monitoring.STEPS, **dosing.STEPS, **discharge.STEPS}


def _forms_for(request, session, bound=None) -> dict:
    """The forms the current status offers (a bound one replaces its blank twin)."""
    user = request.user
    settings = settings_of(session)
    status = session.status
    forms: dict = {}
    if status in CHECKS_ALLOWED:
        answered = {c.item: c for c in session.checks.all()}
        forms["checklist"] = ChecklistForm(
            items=required_checks_of(session, settings),
            initial={
                **{f"check_{item}": c.passed for item, c in answered.items()},
                "weight_kg": session.weight_kg
                if session.weight_measured_on == session.checked_in_at.astimezone(session.location.zone).date()
                else None,
                "interacting_medicines": session.interacting_medicines,
                "pregnancy_test_note": answered["pregnancy_test"].note if "pregnancy_test" in answered else "",
            },
        )
    if status in (
        SessionStatus.CHECKED_IN,
        SessionStatus.HELD,
        SessionStatus.PRECHECKS_DONE,
        SessionStatus.DOSING,
        SessionStatus.ADMINISTERING,
        SessionStatus.OBSERVING,
    ):
        forms["vitals"] = VitalsForm()
        forms["adverse_event"] = AdverseEventForm()
    if status in (SessionStatus.CHECKED_IN, SessionStatus.HELD, SessionStatus.PRECHECKS_DONE):
        forms["cancel"] = ReasonForm()
    if status == SessionStatus.HELD and user_may(user, Permission.SESSION_OVERRIDE):
        forms["override"] = ReasonForm()
    if status == SessionStatus.PRECHECKS_DONE or (status == SessionStatus.DOSING and session.is_esketamine):
        forms["dose"] = DoseForm(
            vials=available_vials(user, session.location, actions.LEDGER_DRUG[session.drug]),
            esketamine=session.is_esketamine,
        )
    unwasted = [p for p in session.preparations.all() if p.waste_ledger_entry_id is None]
    if unwasted and status not in (SessionStatus.SIGNED,):
        forms["waste"] = WasteForm(colleagues=colleague_choices(user), initial={"preparation": unwasted[0].pk})
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
        gaps = discharge_gaps(session, alert=True, walking_steadily=True, accompanied_home=True, now=now)
    checks = {c.item: c for c in session.checks.all()}
    show_times_in(session.location.zone)
    return {
        **monitoring.prompts_context(session, now),
        "bedside": bedside_facts(session, now),
        "checkin_notices": checkin_notices(session),
        "questionnaires_today": questionnaires_today(session, now),
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
        "observation_counted_from": observation_start_of(session)[1],
        "signatures": list(session.signatures.select_related("signed_by")),
        "addenda": list(session.addenda.select_related("written_by")),
        "forms": _forms_for(request, session, bound),
        "may_sign": session.status == SessionStatus.DISCHARGED,
        "notice": notice,
    }


@permission_required(Permission.SESSION_VIEW)
@require_GET
def session_page(request, pk: int):
    session = access_session_by_id(request.user, pk)
    return render(request, "treatments/session.html", _context(request, session))


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
    # reportlab loads with the first PDF, not in every worker.
    from ketacare.treatments.record_pdf import session_record_pdf

    response = HttpResponse(session_record_pdf(session), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="session-{session.pk}.pdf"'
    return response
