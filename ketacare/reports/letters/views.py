"""Referral-letter pages: a patient's letters (a prescriber writes one there), the letter (its author
edits the draft), sign, PDF, and the organisation's letter template. Thin: each calls one action or
selector."""

from django.contrib import messages
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, require_permission, user_may
from ketacare.lib.views import run_action, run_form_action, settings_form_page
from ketacare.reports.letters import actions
from ketacare.reports.letters.forms import LetterSettingsForm, NewReferralLetterForm, ReferralLetterForm
from ketacare.reports.letters.selectors import (
    access_letter_settings,
    access_referral_letter_by_id,
    access_referral_letters_by_patient_id,
)


def _letter_list(request, patient_id: int, form=None, status: int = 200):
    patient, letters = access_referral_letters_by_patient_id(request.user, patient_id)
    may_write = user_may(request.user, Permission.REFERRAL_LETTER_WRITE)
    if may_write and form is None:
        form = NewReferralLetterForm(
            initial={
                "recipient_name": patient.referring_clinician_name,
                "recipient_address": patient.referring_clinician_practice,
            }
        )
    return render(
        request,
        "reports/letters/letter_list.html",
        {"patient": patient, "letters": letters, "form": form if may_write else None},
        status=status,
    )


@permission_required(Permission.REFERRAL_LETTER_VIEW)
def letter_list(request, patient_id: int):
    """A patient's referral letters; a prescriber drafts a new one from the clinic's template here."""
    if request.method != "POST":
        return _letter_list(request, patient_id)
    require_permission(request.user, Permission.REFERRAL_LETTER_WRITE)
    form = NewReferralLetterForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_create_referral_letter(request.user, patient_id, **form.cleaned_data),
        success="Letter drafted from the template: read it and edit it before signing.",
        redirect_to=lambda letter: reverse("reports:letter_detail", args=[letter.pk]),
    ) or _letter_list(request, patient_id, form, status=422)


def _letter_detail(request, pk: int, edit_form=None, status: int = 200):
    user = request.user
    letter = access_referral_letter_by_id(user, pk)
    is_author_draft = (
        not letter.is_locked and letter.author_id == user.pk and user_may(user, Permission.REFERRAL_LETTER_WRITE)
    )
    if edit_form is not None and not is_author_draft:
        for error in edit_form.non_field_errors():
            messages.error(request, error)
    if is_author_draft and edit_form is None:
        edit_form = ReferralLetterForm(
            initial={name: getattr(letter, name) for name in ("recipient_name", "recipient_address", "body")}
        )
    return render(
        request,
        "reports/letters/letter_detail.html",
        {"letter": letter, "patient": letter.patient, "edit_form": edit_form if is_author_draft else None},
        status=status,
    )


@permission_required(Permission.REFERRAL_LETTER_VIEW)
def letter_detail(request, pk: int):
    if request.method != "POST":
        return _letter_detail(request, pk)
    require_permission(request.user, Permission.REFERRAL_LETTER_WRITE)
    form = ReferralLetterForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_referral_letter(request.user, pk, **form.cleaned_data),
        success="Draft saved.",
        redirect_to=reverse("reports:letter_detail", args=[pk]),
    ) or _letter_detail(request, pk, edit_form=form, status=422)


@permission_required(Permission.REFERRAL_LETTER_WRITE)
@require_POST
def letter_sign(request, pk: int):
    return run_action(
        request,
        lambda: actions.do_sign_referral_letter(request.user, pk),
        success="Letter signed; it is now locked.",
        failure="Not signed.",
        redirect_to=reverse("reports:letter_detail", args=[pk]),
    )


@permission_required(Permission.REFERRAL_LETTER_VIEW)
@require_GET
def letter_pdf(request, pk: int):
    # reportlab loads with the first PDF, not in every worker (ketacare/tests/test_start_light.py).
    from ketacare.consultations.note_pdf import pdf_download
    from ketacare.reports.letters.pdf import referral_letter_pdf

    return pdf_download(*referral_letter_pdf(request.user, pk))


@permission_required(Permission.ORGANISATION_SETTINGS)
def letter_settings(request):
    """The organisation's referral-letter template (clinic admins)."""
    return settings_form_page(
        request,
        form_class=LetterSettingsForm,
        current=access_letter_settings(request.user),
        update=actions.do_update_letter_settings,
        template="reports/letters/letter_settings.html",
        redirect_to=reverse("reports:letter_settings"),
    )
