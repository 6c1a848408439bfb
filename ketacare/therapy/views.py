"""Integration-therapy pages: progress notes (with the chart) and psychotherapy notes (a page of
their own). Thin: each view parses a form and calls one action or selector."""

from zoneinfo import ZoneInfo

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import (
    permission_required,
    require_permission,
    user_may,
)
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.views import run_action, run_form_action
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
from ketacare.therapy.selectors import (
    access_progress_note_by_id,
    access_progress_notes_by_patient_id,
    access_psychotherapy_note_by_id,
    access_psychotherapy_notes_by_patient_id,
)


def _new_note_form(patient, data=None):
    plans = TreatmentPlan.objects.filter(patient=patient).select_related("template")
    appointments = (
        Appointment.objects.filter(
            patient=patient,
            appointment_type__kind=AppointmentKind.INTEGRATION,
            status__in=ACTIVE_STATUSES,
        )
        .select_related("location")
        .order_by("-starts_at")[:50]
    )
    return ProgressNoteForm(data, zone_name=patient.zone_name, plans=plans, appointments=appointments)


def _patient_notes(request, patient_id: int, form=None):
    user = request.user
    patient, notes = access_progress_notes_by_patient_id(user, patient_id)
    may_write = user_may(user, Permission.THERAPY_NOTE_WRITE)
    if may_write and form is None:
        form = _new_note_form(patient)
    return render(
        request,
        "therapy/patient_notes.html",
        {
            "patient": patient,
            "notes": notes,
            "form": form if may_write else None,
        },
    )


@permission_required(Permission.THERAPY_NOTE_VIEW)
def patient_notes(request, patient_id: int):
    """A patient's integration sessions; therapists and prescribers write a note here."""
    if request.method != "POST":
        return _patient_notes(request, patient_id)
    require_permission(request.user, Permission.THERAPY_NOTE_WRITE)
    patient = access_patient_by_id(request.user, db_id_or_zero(patient_id), audit=False)
    form = _new_note_form(patient, request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_create_progress_note(request.user, patient.pk, **form.cleaned_data),
        success="Note saved as a draft.",
        redirect_to=lambda note: reverse("therapy:note_detail", args=[note.pk]),
    ) or _patient_notes(request, patient_id, form)


def _note_detail(request, pk: int, edit_form=None, addendum_form=None):
    user = request.user
    note = access_progress_note_by_id(user, pk)
    is_author_draft = not note.is_locked and note.therapist_id == user.pk
    if is_author_draft and edit_form is None:
        edit_form = ProgressNoteEditForm(
            zone_name=note.patient.zone_name,
            initial={
                "session_at": timezone.localtime(note.session_at, ZoneInfo(note.patient.zone_name)).strftime(
                    "%Y-%m-%dT%H:%M"
                ),
                "duration_minutes": note.duration_minutes,
                "themes": note.themes,
                "goals": note.goals,
                "practices": note.practices,
                "risk_check": note.risk_check,
                "risk_note": note.risk_note,
            },
        )
    may_write = user_may(user, Permission.THERAPY_NOTE_WRITE)
    return render(
        request,
        "therapy/note_detail.html",
        {
            "note": note,
            "patient": note.patient,
            "addenda": list(note.addenda.select_related("written_by")),
            "edit_form": edit_form if is_author_draft else None,
            "addendum_form": (addendum_form or AddendumForm()) if note.is_locked and may_write else None,
        },
    )


@permission_required(Permission.THERAPY_NOTE_VIEW)
def note_detail(request, pk: int):
    """The note; its author edits the draft here."""
    if request.method != "POST":
        return _note_detail(request, pk)
    require_permission(request.user, Permission.THERAPY_NOTE_WRITE)
    note = access_progress_note_by_id(request.user, pk, audit=False)
    form = ProgressNoteEditForm(request.POST, zone_name=note.patient.zone_name)
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_progress_note(request.user, pk, **form.cleaned_data),
        success="Draft saved.",
        redirect_to=reverse("therapy:note_detail", args=[pk]),
    ) or _note_detail(request, pk, edit_form=form)


@permission_required(Permission.THERAPY_NOTE_WRITE)
@require_POST
def note_sign(request, pk: int):
    return run_action(
        request,
        lambda: actions.do_sign_progress_note(request.user, pk),
        success="Note signed; it is now locked.",
        failure="Not signed.",
        redirect_to=reverse("therapy:note_detail", args=[pk]),
    )


@permission_required(Permission.THERAPY_NOTE_WRITE)
@require_POST
def note_addendum(request, pk: int):
    form = AddendumForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_add_progress_note_addendum(request.user, pk, **form.cleaned_data),
        success="Addendum added.",
        redirect_to=reverse("therapy:note_detail", args=[pk]),
    ) or _note_detail(request, pk, addendum_form=form)


# ---------------------------------------------------------------- psychotherapy notes


def _psychotherapy_list(request, patient_id: int, form=None):
    user = request.user
    patient, notes = access_psychotherapy_notes_by_patient_id(user, patient_id)
    may_write = user_may(user, Permission.THERAPY_NOTE_WRITE)
    if may_write and form is None:
        form = PsychotherapyNoteForm(sessions=patient.therapy_notes.filter(therapist=user))
    return render(
        request,
        "therapy/psychotherapy_list.html",
        {
            "patient": patient,
            "notes": notes,
            "form": form if may_write else None,
        },
    )


# No role decorator on the psychotherapy pages: the selector refuses and audits the attempt itself.
@login_required
def psychotherapy_list(request, patient_id: int):
    """The psychotherapy notes this user may read (their own; all for the treating prescriber)."""
    if request.method != "POST":
        return _psychotherapy_list(request, patient_id)
    require_permission(request.user, Permission.THERAPY_NOTE_WRITE)
    patient = access_patient_by_id(request.user, db_id_or_zero(patient_id), audit=False)
    form = PsychotherapyNoteForm(request.POST, sessions=patient.therapy_notes.filter(therapist=request.user))
    return run_form_action(
        request,
        form,
        lambda: actions.do_create_psychotherapy_note(request.user, patient.pk, **form.cleaned_data),
        success="Psychotherapy note saved as a draft.",
        redirect_to=lambda note: reverse("therapy:psychotherapy_detail", args=[note.pk]),
    ) or _psychotherapy_list(request, patient_id, form)


def _psychotherapy_detail(request, pk: int, edit_form=None, addendum_form=None):
    user = request.user
    note = access_psychotherapy_note_by_id(user, pk)
    is_author = note.author_id == user.pk
    if is_author and not note.is_locked and edit_form is None:
        edit_form = PsychotherapyEditForm(initial={"text": note.text})
    return render(
        request,
        "therapy/psychotherapy_detail.html",
        {
            "note": note,
            "patient": note.patient,
            "addenda": list(note.addenda.select_related("written_by")),
            "edit_form": edit_form if is_author and not note.is_locked else None,
            "addendum_form": (addendum_form or AddendumForm()) if is_author and note.is_locked else None,
        },
    )


@login_required
def psychotherapy_detail(request, pk: int):
    if request.method != "POST":
        return _psychotherapy_detail(request, pk)
    form = PsychotherapyEditForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_psychotherapy_note(request.user, pk, **form.cleaned_data),
        success="Draft saved.",
        redirect_to=reverse("therapy:psychotherapy_detail", args=[pk]),
    ) or _psychotherapy_detail(request, pk, edit_form=form)


@permission_required(Permission.THERAPY_NOTE_WRITE)
@require_POST
def psychotherapy_sign(request, pk: int):
    return run_action(
        request,
        lambda: actions.do_sign_psychotherapy_note(request.user, pk),
        success="Note signed; it is now locked.",
        failure="Not signed.",
        redirect_to=reverse("therapy:psychotherapy_detail", args=[pk]),
    )


@permission_required(Permission.THERAPY_NOTE_WRITE)
@require_POST
def psychotherapy_addendum(request, pk: int):
    form = AddendumForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_add_psychotherapy_note_addendum(request.user, pk, **form.cleaned_data),
        success="Addendum added.",
        redirect_to=reverse("therapy:psychotherapy_detail", args=[pk]),
    ) or _psychotherapy_detail(request, pk, addendum_form=form)
