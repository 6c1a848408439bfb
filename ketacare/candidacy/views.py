"""Candidacy pages: the decision page, the staff intake, the portal pre-fill and the clinic policy.

Thin: parse a form, call one action or selector, render or redirect. Errors an
action raises are shown on the form, naming the field.
"""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.candidacy import actions
from ketacare.candidacy.domain.report import DISCLAIMER
from ketacare.candidacy.forms import DecisionForm, IntakeForm, PolicyForm, PortalIntakeForm, TrialForm
from ketacare.candidacy.selectors import access_candidacy_by_patient_id, access_own_intake, access_policy_setting
from ketacare.lib.views import run_action, run_form_action


def _candidacy_page(request, candidacy, *, decision_form=None, status=200):
    return render(
        request,
        "candidacy/detail.html",
        {
            "candidacy": candidacy,
            "patient": candidacy.patient,
            "result": candidacy.result_dict,
            "disclaimer": DISCLAIMER,
            "may_edit": user_may(request.user, Permission.CANDIDACY_EDIT),
            "may_decide": user_may(request.user, Permission.CANDIDACY_DECIDE),
            "decision_form": decision_form,
        },
        status=status,
    )


@permission_required(Permission.CANDIDACY_VIEW)
def candidacy_detail(request, patient_id: int):
    return _candidacy_page(request, access_candidacy_by_patient_id(request.user, patient_id))


@require_POST
@permission_required(Permission.CANDIDACY_DECIDE)
def record_decision(request, patient_id: int):
    form = DecisionForm(request.POST)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_record_decision(request.user, patient_id, **form.cleaned_data),
        success="Decision recorded.",
        redirect_to=reverse("candidacy:detail", args=[patient_id]),
    )
    if done:
        return done
    candidacy = access_candidacy_by_patient_id(request.user, patient_id)
    return _candidacy_page(request, candidacy, decision_form=form, status=422)


@permission_required(Permission.CANDIDACY_EDIT)
def intake_edit(request, patient_id: int):
    candidacy = access_candidacy_by_patient_id(request.user, patient_id)
    form = IntakeForm(request.POST or None, instance=candidacy.intake)
    return run_form_action(
        request,
        form,
        lambda: actions.do_save_intake(request.user, patient_id, **form.answers()),
        success="Intake saved and marked reviewed.",
        redirect_to=reverse("candidacy:intake", args=[patient_id]),
    ) or render(
        request,
        "candidacy/intake.html",
        {
            "candidacy": candidacy,
            "patient": candidacy.patient,
            "form": form,
            "trial_form": TrialForm(),
        },
        status=422 if form.errors else 200,
    )


@require_POST
@permission_required(Permission.CANDIDACY_EDIT)
def intake_confirm(request, patient_id: int):
    return run_action(
        request,
        lambda: actions.do_confirm_intake(request.user, patient_id),
        success="Intake confirmed as reviewed.",
        redirect_to=reverse("candidacy:detail", args=[patient_id]),
    )


@require_POST
@permission_required(Permission.CANDIDACY_EDIT)
def trial_add(request, patient_id: int):
    form = TrialForm(request.POST)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_add_trial(request.user, patient_id, **form.answers()),
        success="Trial added.",
        redirect_to=reverse("candidacy:intake", args=[patient_id]),
    )
    if done:
        return done
    candidacy = access_candidacy_by_patient_id(request.user, patient_id)
    return render(
        request,
        "candidacy/intake.html",
        {
            "candidacy": candidacy,
            "patient": candidacy.patient,
            "form": IntakeForm(instance=candidacy.intake),
            "trial_form": form,
        },
        status=422,
    )


@require_POST
@permission_required(Permission.CANDIDACY_EDIT)
def trial_remove(request, patient_id: int, trial_id: int):
    actions.do_remove_trial(request.user, patient_id, trial_id)
    messages.success(request, "Trial removed.")
    return redirect("candidacy:intake", patient_id)


@permission_required(Permission.OWN_RECORD_VIEW)
def portal_intake(request):
    patient, intake = access_own_intake(request.user)
    form = PortalIntakeForm(request.POST or None, instance=intake)
    return run_form_action(
        request,
        form,
        lambda: actions.do_save_own_intake(request.user, **form.answers()),
        success="Thank you. Your answers are saved; the clinic team will go through them with you.",
        redirect_to="candidacy:portal_intake",
    ) or render(
        request,
        "candidacy/portal_intake.html",
        {
            "patient": patient,
            "intake": intake,
            "form": form,
        },
        status=422 if form.errors else 200,
    )


@permission_required(Permission.ORGANISATION_SETTINGS)
def policy_edit(request):
    setting = access_policy_setting(request.user)
    form = PolicyForm(request.POST or None, instance=setting)
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_candidacy_policy(request.user, **form.cleaned_data),
        success="Candidacy policy saved.",
        redirect_to="candidacy:policy",
    ) or render(request, "candidacy/policy.html", {"form": form}, status=422 if form.errors else 200)
