"""Consultation note pages: a patient's notes, a new draft, the note (its author edits the draft
there), sign, addendum, PDF. Thin: each view parses a form and calls one action or selector."""

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, require_permission, user_may
from ketacare.consultations import actions
from ketacare.consultations.fact_lines import candidacy_lines, risk_lines
from ketacare.consultations.forms import ConsultationAddendumForm, ConsultationNoteForm
from ketacare.consultations.models import NOTE_TEXT_FIELDS
from ketacare.consultations.selectors import (
    access_consultation_note_by_id,
    access_consultation_notes_by_patient_id,
    chart_facts,
    facts_of,
)
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.views import run_action, run_form_action
from ketacare.patients.selectors import access_patient_by_id


@permission_required(Permission.CONSULTATION_NOTE_VIEW)
@require_GET
def patient_notes(request, patient_id: int):
    """A patient's consultation notes; prescribers start a new one here."""
    patient, notes = access_consultation_notes_by_patient_id(request.user, patient_id)
    return render(
        request,
        "consultations/patient_notes.html",
        {"patient": patient, "notes": notes, "may_write": user_may(request.user, Permission.CONSULTATION_NOTE_WRITE)},
    )


@permission_required(Permission.CONSULTATION_NOTE_WRITE)
def note_new(request, patient_id: int):
    """A new draft; the page shows the chart facts the note will carry when signed."""
    patient = access_patient_by_id(request.user, db_id_or_zero(patient_id))
    form = ConsultationNoteForm(request.POST if request.method == "POST" else None)
    return run_form_action(
        request,
        form,
        lambda: actions.do_create_consultation_note(request.user, patient.pk, **form.cleaned_data),
        success="Consultation note saved as a draft.",
        redirect_to=lambda note: reverse("consultations:note_detail", args=[note.pk]),
    ) or render(
        request,
        "consultations/note_new.html",
        _facts_context(chart_facts(patient)) | {"patient": patient, "form": form},
        status=422 if form.errors else 200,
    )


def _facts_context(facts: dict) -> dict:
    return {"risk_lines": risk_lines(facts), "candidacy_lines": candidacy_lines(facts)}


def _note_detail(request, pk: int, edit_form=None, addendum_form=None, status: int = 200):
    user = request.user
    note = access_consultation_note_by_id(user, pk)
    is_author_draft = (
        not note.is_locked and note.author_id == user.pk and user_may(user, Permission.CONSULTATION_NOTE_WRITE)
    )
    if is_author_draft and edit_form is None:
        edit_form = ConsultationNoteForm(initial={name: getattr(note, name) for name in NOTE_TEXT_FIELDS})
    may_add = note.is_locked and user_may(user, Permission.CONSULTATION_NOTE_WRITE)
    if edit_form is not None and not is_author_draft:
        # A post to a note that is no longer the author's draft (signed meanwhile, or someone else's):
        # the form is not shown, so its refusal is.
        for error in edit_form.non_field_errors():
            messages.error(request, error)
    return render(
        request,
        "consultations/note_detail.html",
        _facts_context(facts_of(note))
        | {
            "note": note,
            "patient": note.patient,
            "addenda": list(note.addenda.select_related("written_by")),
            "edit_form": edit_form if is_author_draft else None,
            "addendum_form": (addendum_form or ConsultationAddendumForm()) if may_add else None,
        },
        status=status,
    )


@permission_required(Permission.CONSULTATION_NOTE_VIEW)
def note_detail(request, pk: int):
    """The note; its author edits the draft here (a signed note takes no edit: the action refuses)."""
    if request.method != "POST":
        return _note_detail(request, pk)
    require_permission(request.user, Permission.CONSULTATION_NOTE_WRITE)
    form = ConsultationNoteForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_consultation_note(request.user, pk, **form.cleaned_data),
        success="Draft saved.",
        redirect_to=reverse("consultations:note_detail", args=[pk]),
    ) or _note_detail(request, pk, edit_form=form, status=422)


@permission_required(Permission.CONSULTATION_NOTE_WRITE)
@require_POST
def note_sign(request, pk: int):
    return run_action(
        request,
        lambda: actions.do_sign_consultation_note(request.user, pk),
        success="Consultation note signed; it is now locked.",
        failure="Not signed.",
        redirect_to=reverse("consultations:note_detail", args=[pk]),
    )


@permission_required(Permission.CONSULTATION_NOTE_WRITE)
@require_POST
def note_addendum(request, pk: int):
    form = ConsultationAddendumForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_add_consultation_note_addendum(request.user, pk, **form.cleaned_data),
        success="Addendum added.",
        redirect_to=reverse("consultations:note_detail", args=[pk]),
    ) or _note_detail(request, pk, addendum_form=form, status=422)


@permission_required(Permission.CONSULTATION_NOTE_VIEW)
@require_GET
def note_pdf(request, pk: int):
    # reportlab loads with the first PDF, not in every worker (ketacare/tests/test_start_light.py).
    from ketacare.consultations.note_pdf import consultation_note_pdf, pdf_download

    filename, pdf = consultation_note_pdf(request.user, pk)
    return pdf_download(filename, pdf)
