"""Integration-therapy pages: progress notes (with the chart) and psychotherapy notes (a page of
their own). Thin: each view parses a form and calls one action or selector."""

from zoneinfo import ZoneInfo

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import (
    permission_required,
    require_permission,
    user_may,
)
from ketacare.lib.forms import error_text, show_errors
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.models import TreatmentPlan
from ketacare.scheduling.models import ACTIVE_STATUSES, Appointment, AppointmentKind
from ketacare.therapy import actions
from ketacare.therapy.forms import (
    AddendumForm,
    ProgressNoteEditForm,
    ProgressNoteForm,
    PsychotherapyEditForm,
    PsychotherapyNoteForm,
)
from ketacare.therapy.reports import (
    access_progress_summary_by_patient_id,
    render_progress_summary_pdf,
)
from ketacare.therapy.selectors import (
    access_progress_note_by_id,
    access_progress_notes_by_patient_id,
    access_psychotherapy_note_by_id,
    access_psychotherapy_notes_by_patient_id,
    clamp_id,
)


def _new_note_form(patient, data=None):
    plans = TreatmentPlan.objects.filter(patient=patient).select_related("template")
    appointments = Appointment.objects.filter(
        patient=patient, appointment_type__kind=AppointmentKind.INTEGRATION, status__in=ACTIVE_STATUSES,
    ).select_related("location").order_by("-starts_at")[:50]
    return ProgressNoteForm(data, zone_name=patient.zone_name, plans=plans, appointments=appointments)


def _patient_notes(request, patient_id: int, form=None):
    user = request.user
    patient, notes = access_progress_notes_by_patient_id(user, patient_id)
    may_write = user_may(user, Permission.THERAPY_NOTE_WRITE)
    if may_write and form is None:
        form = _new_note_form(patient)
    return render(request, "therapy/patient_notes.html", {
        "patient": patient, "notes": notes, "form": form if may_write else None,
    })


@permission_required(Permission.THERAPY_NOTE_VIEW)
def patient_notes(request, patient_id: int):
    """A patient's integration sessions; therapists and prescribers write a note here."""
    if request.method != "POST":
        return _patient_notes(request, patient_id)
    require_permission(request.user, Permission.THERAPY_NOTE_WRITE)
    patient = access_patient_by_id(request.user, clamp_id(patient_id), audit=False)
    form = _new_note_form(patient, request.POST)
    if form.is_valid():
        try:
            note = actions.do_create_progress_note(request.user, patient.pk, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Note saved as a draft.")
            return redirect("therapy:note_detail", pk=note.pk)
    return _patient_notes(request, patient_id, form)


def _note_detail(request, pk: int, edit_form=None, addendum_form=None):
    user = request.user
    note = access_progress_note_by_id(user, pk)
    is_author_draft = not note.is_locked and note.therapist_id == user.pk
    if is_author_draft and edit_form is None:
        edit_form = ProgressNoteEditForm(zone_name=note.patient.zone_name, initial={
            "session_at": timezone.localtime(note.session_at, ZoneInfo(note.patient.zone_name)).strftime("%Y-%m-%dT%H:%M"),
            "duration_minutes": note.duration_minutes, "themes": note.themes, "goals": note.goals,
            "practices": note.practices, "risk_check": note.risk_check, "risk_note": note.risk_note,
        })
    may_write = user_may(user, Permission.THERAPY_NOTE_WRITE)
    return render(request, "therapy/note_detail.html", {
        "note": note, "patient": note.patient, "addenda": list(note.addenda.select_related("written_by")),
        "edit_form": edit_form if is_author_draft else None,
        "addendum_form": (addendum_form or AddendumForm()) if note.is_locked and may_write else None,
    })


@permission_required(Permission.THERAPY_NOTE_VIEW)
def note_detail(request, pk: int):
    """The note; its author edits the draft here."""
    if request.method != "POST":
        return _note_detail(request, pk)
    require_permission(request.user, Permission.THERAPY_NOTE_WRITE)
    note = access_progress_note_by_id(request.user, pk, audit=False)
    form = ProgressNoteEditForm(request.POST, zone_name=note.patient.zone_name)
    if form.is_valid():
        try:
            actions.do_update_progress_note(request.user, pk, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect("therapy:note_detail", pk=pk)
    return _note_detail(request, pk, edit_form=form)


@permission_required(Permission.THERAPY_NOTE_WRITE)
@require_POST
def note_sign(request, pk: int):
    try:
        actions.do_sign_progress_note(request.user, pk)
    except ValidationError as exc:
        messages.error(request, f"Not signed. {error_text(exc)}")
    else:
        messages.success(request, "Note signed; it is now locked.")
    return redirect("therapy:note_detail", pk=pk)


@permission_required(Permission.THERAPY_NOTE_WRITE)
@require_POST
def note_addendum(request, pk: int):
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_progress_note_addendum(request.user, pk, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Addendum added.")
            return redirect("therapy:note_detail", pk=pk)
    return _note_detail(request, pk, addendum_form=form)


# ---------------------------------------------------------------- psychotherapy notes


def _psychotherapy_list(request, patient_id: int, form=None):
    user = request.user
    patient, notes = access_psychotherapy_notes_by_patient_id(user, patient_id)
    may_write = user_may(user, Permission.THERAPY_NOTE_WRITE)
    if may_write and form is None:
        form = PsychotherapyNoteForm(sessions=patient.therapy_notes.filter(therapist=user))
    return render(request, "therapy/psychotherapy_list.html", {
        "patient": patient, "notes": notes, "form": form if may_write else None,
    })


# No role decorator on the psychotherapy pages: the selector refuses and audits the attempt itself.
@login_required
def psychotherapy_list(request, patient_id: int):
    """The psychotherapy notes this user may read (their own; all for the treating prescriber)."""
    if request.method != "POST":
        return _psychotherapy_list(request, patient_id)
    require_permission(request.user, Permission.THERAPY_NOTE_WRITE)
    patient = access_patient_by_id(request.user, clamp_id(patient_id), audit=False)
    form = PsychotherapyNoteForm(request.POST, sessions=patient.therapy_notes.filter(therapist=request.user))
    if form.is_valid():
        try:
            note = actions.do_create_psychotherapy_note(request.user, patient.pk, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Psychotherapy note saved as a draft.")
            return redirect("therapy:psychotherapy_detail", pk=note.pk)
    return _psychotherapy_list(request, patient_id, form)


def _psychotherapy_detail(request, pk: int, edit_form=None, addendum_form=None):
    user = request.user
    note = access_psychotherapy_note_by_id(user, pk)
    is_author = note.author_id == user.pk
    if is_author and not note.is_locked and edit_form is None:
        edit_form = PsychotherapyEditForm(initial={"text": note.text})
    return render(request, "therapy/psychotherapy_detail.html", {
        "note": note, "patient": note.patient, "addenda": list(note.addenda.select_related("written_by")),
        "edit_form": edit_form if is_author and not note.is_locked else None,
        "addendum_form": (addendum_form or AddendumForm()) if is_author and note.is_locked else None,
    })


@login_required
def psychotherapy_detail(request, pk: int):
    if request.method != "POST":
        return _psychotherapy_detail(request, pk)
    form = PsychotherapyEditForm(request.POST)
    if form.is_valid():
        try:
            actions.do_update_psychotherapy_note(request.user, pk, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Draft saved.")
            return redirect("therapy:psychotherapy_detail", pk=pk)
    return _psychotherapy_detail(request, pk, edit_form=form)


@permission_required(Permission.THERAPY_NOTE_WRITE)
@require_POST
def psychotherapy_sign(request, pk: int):
    try:
        actions.do_sign_psychotherapy_note(request.user, pk)
    except ValidationError as exc:
        messages.error(request, f"Not signed. {error_text(exc)}")
    else:
        messages.success(request, "Note signed; it is now locked.")
    return redirect("therapy:psychotherapy_detail", pk=pk)


@permission_required(Permission.THERAPY_NOTE_WRITE)
@require_POST
def psychotherapy_addendum(request, pk: int):
    form = AddendumForm(request.POST)
    if form.is_valid():
        try:
            actions.do_add_psychotherapy_note_addendum(request.user, pk, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, "Addendum added.")
            return redirect("therapy:psychotherapy_detail", pk=pk)
    return _psychotherapy_detail(request, pk, addendum_form=form)


# ---------------------------------------------------------------- progress summary


@login_required
@require_GET
def progress_summary_pdf(request, patient_id: int):
    """The progress summary for the referring clinician (PATIENT_EXPORT or SESSION_VIEW; audited)."""
    summary = access_progress_summary_by_patient_id(request.user, patient_id)
    response = HttpResponse(render_progress_summary_pdf(summary), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="progress-summary-{summary.patient.record_number}.pdf"'
    return response
