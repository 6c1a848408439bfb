"""Measures pages: the staff view of a patient's questionnaires, the safety dashboard, and the
answering pages patients use (emailed link, portal, clinic tablet).

Thin: each view parses input, calls one action or selector and renders.
"""

from django.contrib import messages
from django.contrib.auth import authenticate, logout
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.forms import error_text
from ketacare.lib.views import run_action, settings_form_page
from ketacare.measures import actions, kiosk
from ketacare.measures.domain.instruments import Rater
from ketacare.measures.domain.library import INSTRUMENTS
from ketacare.measures.forms import AcknowledgeForm, AssignForm, SettingsForm, answers_from_post
from ketacare.measures.hooks import patient_sections
from ketacare.measures.models import AssignmentStatus, MeasurementSettings, QuestionnaireResponse, ResponseChannel
from ketacare.measures.selectors import (
    access_alert_by_id,
    access_assignment_by_token,
    access_assignment_for_answering,
    access_measures_by_patient_id,
    access_own_assignments,
    access_response_by_id,
    link_is_open,
    open_alerts,
)
from ketacare.patients.selectors import access_patient_by_id


def _items(instrument_code: str, answers: dict) -> list[dict]:
    """The questions as shown: licensed wording where it ships, otherwise the item name."""
    instrument = INSTRUMENTS[instrument_code]
    return [
        {
            "number": item.number,
            "tag": item.tag,
            "text": item.text or item.name,
            "choices": [
                {
                    "value": value,
                    "label": item.answer_label(value) or str(value),
                    "checked": answers.get(str(item.number)) == value,
                }
                for value in item.answer_values
            ],
        }
        for item in instrument.items
    ]


# ---------------------------------------------------------------- staff


@permission_required(Permission.MEASURES_VIEW)
@require_GET
def patient_measures(request, patient_id: int):
    measures = access_measures_by_patient_id(request.user, patient_id)
    patient = measures.patient
    return render(
        request,
        "measures/patient.html",
        {
            "measures": measures,
            "patient": patient,
            "form": AssignForm(zone_name=patient.zone_name),
            "may_assign": user_may(request.user, Permission.MEASURES_ASSIGN),
            "may_record": user_may(request.user, Permission.MEASURES_RECORD),
            "instruments": INSTRUMENTS.values(),
            # Sections other apps add (reports: the trend charts).
            "sections": patient_sections(request, patient),
        },
    )


@permission_required(Permission.MEASURES_ASSIGN)
@require_POST
def assign(request, patient_id: int):
    patient = access_patient_by_id(request.user, patient_id, audit=False)
    form = AssignForm(request.POST, zone_name=patient.zone_name)

    def assign_if_valid():
        if not form.is_valid():
            raise ValidationError(form.errors.as_data())
        return actions.do_assign_questionnaire(
            request.user, patient, link_base_url=request.build_absolute_uri("/"), **form.cleaned_data
        )

    return run_action(
        request,
        assign_if_valid,
        success="Questionnaire assigned.",
        redirect_to=reverse("measures:patient", args=[patient.pk]),
    )


@permission_required(Permission.MEASURES_RECORD)
def enter(request, patient_id: int, instrument: str):
    """Staff enter a whole rating (clinician scales, or a paper form)."""
    if instrument not in INSTRUMENTS:
        raise Http404("No such instrument")
    patient = access_patient_by_id(request.user, patient_id, audit=request.method == "GET")
    answers, error = {}, ""
    if request.method == "POST":
        answers = answers_from_post(request.POST, len(INSTRUMENTS[instrument].items))
        try:
            actions.do_enter_response(request.user, patient, instrument, answers)
        except ValidationError as exc:
            error = error_text(exc)
        else:
            messages.success(request, f"{INSTRUMENTS[instrument].name} recorded.")
            return redirect("measures:patient", patient_id=patient.pk)
    return render(
        request,
        "measures/enter.html",
        {
            "patient": patient,
            "instrument": INSTRUMENTS[instrument],
            "error": error,
            "items": _items(instrument, {key: _int_or_none(value) for key, value in answers.items()}),
            "reason_field": False,
        },
        status=422 if error else 200,
    )


@permission_required(Permission.MEASURES_RECORD)
def amend(request, response_id: int):
    response = access_response_by_id(request.user, response_id, audit=request.method == "GET")
    answers, error = dict(response.answers), ""
    if request.method == "POST":
        posted = answers_from_post(request.POST, len(INSTRUMENTS[response.instrument].items))
        try:
            actions.do_amend_response(request.user, response, posted, request.POST.get("amendment_reason", ""))
        except ValidationError as exc:
            error = error_text(exc)
            answers.update({key: _int_or_none(value) for key, value in posted.items()})
        else:
            messages.success(request, "Response amended; the original is kept.")
            return redirect("measures:patient", patient_id=response.patient_id)
    return render(
        request,
        "measures/enter.html",
        {
            "patient": response.patient,
            "instrument": INSTRUMENTS[response.instrument],
            "error": error,
            "items": _items(response.instrument, answers),
            "amending": response,
        },
        status=422 if error else 200,
    )


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@permission_required(Permission.MEASURES_ALERTS_VIEW)
@require_GET
def alerts(request):
    return render(
        request,
        "measures/alerts.html",
        {
            "alerts": open_alerts(request.user),
            "form": AcknowledgeForm(),
            "may_acknowledge": user_may(request.user, Permission.MEASURES_ALERTS_ACKNOWLEDGE),
        },
    )


@permission_required(Permission.MEASURES_ALERTS_ACKNOWLEDGE)
@require_POST
def acknowledge(request, alert_id: int):
    alert = access_alert_by_id(request.user, alert_id)
    note = request.POST.get("note", "")
    return run_action(
        request,
        lambda: actions.do_acknowledge_alert(request.user, alert, note),
        success="Alert acknowledged.",
        redirect_to="measures:alerts",
    )


# ---------------------------------------------------------------- answering (link, portal, tablet)


def _answer_urls(name: str, key) -> dict[str, str]:
    return {
        "page": reverse(f"measures:{name}", args=[key]),
        "save": reverse(f"measures:{name}_save", args=[key]),
        "submit": reverse(f"measures:{name}_submit", args=[key]),
    }


def _answer_page(
    request, assignment, channel: str, urls: dict, *, error: str = "", status: int = 200, kiosk: bool = False
):
    org = assignment.patient.organisation
    if assignment.status == AssignmentStatus.COMPLETED:
        done = "measures/kiosk_done.html" if kiosk else "measures/answer_done.html"
        return render(request, done, {"org": org, "already": True})
    if assignment.status != AssignmentStatus.PENDING or (
        channel == ResponseChannel.LINK and not link_is_open(assignment)
    ):
        return render(request, "measures/answer_closed.html", {"org": org}, status=410)
    response = QuestionnaireResponse.objects.filter(assignment=assignment).only("answers").first()
    answers = response.answers if response else {}
    instrument = INSTRUMENTS[assignment.instrument]
    return render(
        request,
        "measures/kiosk.html" if kiosk else "measures/answer.html",
        {
            "org": org,
            "instrument": instrument,
            "items": _items(assignment.instrument, answers),
            "answered": sum(1 for value in answers.values() if value is not None),
            "urls": urls,
            "error": error,
            "channel": channel,
        },
        status=status,
    )


def _save(request, assignment, channel: str):
    """htmx: one answer as it is chosen; returns the progress line."""
    instrument = INSTRUMENTS[assignment.instrument]
    answers = answers_from_post(request.POST, len(instrument.items))
    error = ""
    try:
        response = actions.do_save_answer(request.user, assignment, answers, channel=channel)
    except ValidationError as exc:
        error, answered = error_text(exc), None
    else:
        answered = sum(1 for value in response.answers.values() if value is not None)
    status = 422 if error and not request.headers.get("HX-Request") else 200
    return render(
        request,
        "measures/_progress.html",
        {
            "answered": answered,
            "count": len(instrument.items),
            "error": error,
        },
        status=status,
    )


def _submit(request, assignment, channel: str, urls: dict, *, kiosk: bool = False):
    instrument = INSTRUMENTS[assignment.instrument]
    try:
        response = actions.do_submit_response(
            request.user, assignment, channel=channel, answers=answers_from_post(request.POST, len(instrument.items))
        )
    except ValidationError as exc:
        assignment.refresh_from_db()
        return _answer_page(request, assignment, channel, urls, error=error_text(exc), status=422, kiosk=kiosk)
    # Shown at once, on this response: crisis resources when the answers raised a safety flag.
    return render(
        request,
        "measures/kiosk_done.html" if kiosk else "measures/answer_done.html",
        {
            "org": assignment.patient.organisation,
            "crisis": bool(response.safety_flags),
        },
    )


def _by_token(token: str):
    assignment = access_assignment_by_token(token)
    if assignment is None:
        raise Http404("No such questionnaire")
    return assignment


@require_GET
def link(request, token: str):
    return _answer_page(request, _by_token(token), ResponseChannel.LINK, _answer_urls("link", token))


@require_POST
def link_save(request, token: str):
    return _save(request, _by_token(token), ResponseChannel.LINK)


@require_POST
def link_submit(request, token: str):
    return _submit(request, _by_token(token), ResponseChannel.LINK, _answer_urls("link", token))


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def portal(request):
    return render(
        request,
        "measures/portal.html",
        {
            "assignments": access_own_assignments(request.user),
            "patient_instruments": [i for i in INSTRUMENTS.values() if i.rater == Rater.PATIENT],
        },
    )


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def portal_answer(request, assignment_id: int):
    assignment = access_assignment_for_answering(request.user, assignment_id)
    return _answer_page(request, assignment, ResponseChannel.PORTAL, _answer_urls("portal_answer", assignment_id))


@permission_required(Permission.OWN_RECORD_VIEW)
@require_POST
def portal_answer_save(request, assignment_id: int):
    return _save(request, access_assignment_for_answering(request.user, assignment_id), ResponseChannel.PORTAL)


@permission_required(Permission.OWN_RECORD_VIEW)
@require_POST
def portal_answer_submit(request, assignment_id: int):
    assignment = access_assignment_for_answering(request.user, assignment_id)
    return _submit(request, assignment, ResponseChannel.PORTAL, _answer_urls("portal_answer", assignment_id))


@permission_required(Permission.MEASURES_ASSIGN)
@require_GET
def tablet(request, assignment_id: int):
    """Hand the tablet over: the questionnaire itself is answered in kiosk mode only (issue 14.6)."""
    assignment = access_assignment_for_answering(request.user, assignment_id)
    back = reverse("measures:patient", args=[assignment.patient_id])
    return render(request, "measures/tablet.html", {"assignment": assignment, "back": back})


@permission_required(Permission.MEASURES_ASSIGN)
@require_POST
def tablet_save(request, assignment_id: int):
    return _save(request, access_assignment_for_answering(request.user, assignment_id), ResponseChannel.TABLET)


@permission_required(Permission.MEASURES_ASSIGN)
@require_POST
def tablet_submit(request, assignment_id: int):
    assignment = access_assignment_for_answering(request.user, assignment_id)
    return _submit(request, assignment, ResponseChannel.TABLET, _answer_urls("tablet", assignment_id))


# ---------------------------------------------------------------- kiosk mode (the tablet in the patient's hands)


@permission_required(Permission.MEASURES_ASSIGN)
@require_POST
def kiosk_start(request, assignment_id: int):
    """Suspend the staff session behind one questionnaire; `next` is where the staff re-entry returns."""
    assignment = access_assignment_for_answering(request.user, assignment_id)
    back = kiosk.safe_return_to(
        request, request.POST.get("next", ""), reverse("measures:patient", args=[assignment.patient_id])
    )
    if assignment.status != AssignmentStatus.PENDING:
        messages.error(request, f"This questionnaire is {assignment.get_status_display().lower()}.")
        return redirect(back)
    kiosk.enter_kiosk(request, assignment, back)
    return redirect("measures:kiosk")


def _kiosk_assignment(request):
    """The questionnaire on the tablet (None when kiosk mode is off)."""
    state = kiosk.kiosk_of(request)
    return None if state is None else access_assignment_for_answering(request.user, state["assignment"])


_KIOSK_URLS = {"page": "measures:kiosk", "save": "measures:kiosk_save", "submit": "measures:kiosk_submit"}


def _kiosk_urls() -> dict[str, str]:
    return {key: reverse(name) for key, name in _KIOSK_URLS.items()}


@permission_required(Permission.MEASURES_ASSIGN)
@require_GET
def kiosk_page(request):
    assignment = _kiosk_assignment(request)
    if assignment is None:
        return render(request, "measures/kiosk_off.html")
    return _answer_page(request, assignment, ResponseChannel.TABLET, _kiosk_urls(), kiosk=True)


@permission_required(Permission.MEASURES_ASSIGN)
@require_POST
def kiosk_save(request):
    assignment = _kiosk_assignment(request)
    if assignment is None:
        return redirect("measures:kiosk")
    return _save(request, assignment, ResponseChannel.TABLET)


@permission_required(Permission.MEASURES_ASSIGN)
@require_POST
def kiosk_submit(request):
    assignment = _kiosk_assignment(request)
    if assignment is None:
        return redirect("measures:kiosk")
    return _submit(request, assignment, ResponseChannel.TABLET, _kiosk_urls(), kiosk=True)


@permission_required(Permission.MEASURES_ASSIGN)
def kiosk_exit(request):
    """The staff re-entry: the signed-in staff member's password again (a sign-in attempt for
    django-axes); a lockout ends the staff session, so the tablet falls back to the sign-in page."""
    if kiosk.kiosk_of(request) is None:
        return redirect("home")
    error = ""
    if request.method == "POST":
        password = request.POST.get("password", "")
        try:
            again = authenticate(request, username=request.user.get_username(), password=password)
        except PermissionDenied:  # already locked out (django-axes)
            again = None
            request.axes_locked_out = True
        if again is not None and again.pk == request.user.pk:
            return redirect(kiosk.leave_kiosk(request))
        if getattr(request, "axes_locked_out", False):
            logout(request)
            return redirect("accounts:login")
        error = "That password is not right."
    return render(request, "measures/kiosk_exit.html", {"error": error}, status=422 if error else 200)


@permission_required(Permission.MEASURES_ASSIGN)
@require_POST
def cancel(request, assignment_id: int):
    assignment = access_assignment_for_answering(request.user, assignment_id)
    return run_action(
        request,
        lambda: actions.do_cancel_assignment(request.user, assignment),
        success="Questionnaire cancelled.",
        redirect_to=reverse("measures:patient", args=[assignment.patient_id]),
    )


@permission_required(Permission.ORGANISATION_SETTINGS)
def settings_page(request):
    """The clinic admin's questionnaire and safety-alert settings."""
    return settings_form_page(
        request,
        form_class=SettingsForm,
        current=MeasurementSettings.for_organisation(request.user.organisation),
        update=actions.do_update_measurement_settings,
        template="measures/settings.html",
        redirect_to="measures:settings",
    )
