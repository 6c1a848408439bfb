from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from ketacare.accounts.backends import SESSION_BACKEND
from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.forms import show_errors
from ketacare.lib.views import run_action
from ketacare.patients.models import CareStage
from ketacare.portal import actions
from ketacare.portal.forms import PortalPasswordForm
from ketacare.portal.selectors import access_own_record_by_user, invited_organisation, portal_account_of

# Where the patient is in their care, in words for the patient rather than the clinic.
STAGE_IN_PLAIN_WORDS = {
    CareStage.REGISTERED: "You are registered with the clinic. We will contact you about the next step: "
    "a short screening to see whether this treatment could suit you.",
    CareStage.SCREENING: "We are reviewing your history and questionnaires to see whether ketamine "
    "treatment may be right for you.",
    CareStage.CONSULTATION: "Your next step is a consultation with one of our prescribers, who will talk "
    "through the treatment, its risks and your other options with you.",
    CareStage.INDUCTION: "You are in your first course of treatment sessions.",
    CareStage.MAINTENANCE: "You have finished your first course and now have occasional sessions to help "
    "keep the benefit.",
    CareStage.DISCHARGED: "Your treatment with us has ended. Contact the clinic if you would like to talk "
    "about further care.",
    CareStage.NOT_ELIGIBLE: "After review, this treatment is not the right option for you at the moment. "
    "Your care team can talk through other options with you.",
}


@permission_required(Permission.OWN_RECORD_VIEW)
def home(request):
    """The signed-in patient's own record: clinic, stage, what is on file, where to get help."""
    record = access_own_record_by_user(request.user)
    if record is None:
        return render(request, "portal/no_record.html", {"org": request.user.organisation})
    return render(
        request,
        "portal/home.html",
        {
            "record": record,
            "patient": record.patient,
            "org": record.patient.organisation,
            "stage_in_words": STAGE_IN_PLAIN_WORDS.get(record.patient.stage, ""),
        },
    )


# ---------------------------------------------------------------- staff: the portal-account panel


def portal_account_section(request, patient) -> str:
    """The "Portal account" section of a patient's chart (registered in patients.hooks by PortalConfig):
    the account's state and last sign-in for every staff reader, the invite / resend / deactivate /
    reactivate buttons for PORTAL_ACCOUNTS_MANAGE. The chart has checked access and recorded the read."""
    return render_to_string(
        "portal/_account_section.html",
        {
            "patient": patient,
            "account": portal_account_of(request.user, patient),
            "may_manage": user_may(request.user, Permission.PORTAL_ACCOUNTS_MANAGE),
        },
        request,
    )


def _back_to_chart(patient_id: int) -> str:
    return f"{reverse('patients:detail', args=[patient_id])}#portal-account"


@require_POST
@permission_required(Permission.PORTAL_ACCOUNTS_MANAGE)
def invite(request, patient_id: int):
    return run_action(
        request,
        lambda: actions.do_invite_patient_to_portal(request.user, patient_id, email=request.POST.get("email", "")),
        success=lambda account: (
            f"Portal invitation sent to {account.email}. The link works once, for "
            f"{int(settings.KETACARE_INVITATION_LIFETIME.total_seconds() // 3600)} hours."
        ),
        redirect_to=_back_to_chart(patient_id),
        failure="No invitation sent.",
    )


@require_POST
@permission_required(Permission.PORTAL_ACCOUNTS_MANAGE)
def deactivate(request, patient_id: int):
    return run_action(
        request,
        lambda: actions.do_deactivate_portal_account(request.user, patient_id, reason=request.POST.get("reason", "")),
        success="Portal access ended: the patient is signed out and cannot sign in until reactivated.",
        redirect_to=_back_to_chart(patient_id),
        failure="Portal access not changed.",
    )


@require_POST
@permission_required(Permission.PORTAL_ACCOUNTS_MANAGE)
def reactivate(request, patient_id: int):
    return run_action(
        request,
        lambda: actions.do_reactivate_portal_account(request.user, patient_id),
        success="Portal account reactivated: the patient signs in with their earlier password.",
        redirect_to=_back_to_chart(patient_id),
        failure="Portal access not changed.",
    )


# ---------------------------------------------------------------- the patient: activation, self-registration


def _password_page(request, *, check_link, save, title: str):
    """The activation and self-registration pages: a link that cannot be used says why (410); otherwise
    the date of birth and a new password, and on success the patient is signed in to the portal."""
    try:
        organisation = check_link()
    except ValidationError as exc:
        return _unusable_link(request, exc, title)
    form = PortalPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            account = save(**form.cleaned_data)
        except ValidationError as exc:
            if "token" in getattr(exc, "error_dict", {}):
                return _unusable_link(request, exc, title)
            show_errors(form, exc)
        else:
            if request.user.is_authenticated:
                logout(request)
            login(request, account, backend=SESSION_BACKEND)
            messages.success(
                request,
                f"Your portal account is ready. Next time, sign in as {account.username} with your new password.",
            )
            return redirect("portal:home")
    status = 422 if form.errors else 200
    return render(
        request, "portal/set_password.html", {"form": form, "org": organisation, "title": title}, status=status
    )


def _unusable_link(request, exc: ValidationError, title: str):
    problem = exc.message_dict["token"][0]
    return render(request, "portal/link_unusable.html", {"problem": problem, "title": title}, status=410)


@never_cache
def activate(request, secret: str):
    """The patient's invitation link: their date of birth, then a password."""
    return _password_page(
        request,
        check_link=lambda: invited_organisation(secret),
        save=lambda **fields: actions.do_activate_portal_account(secret, **fields),
        title="Activate your patient portal account",
    )


@never_cache
def self_register(request, token: str):
    """The link in a consultation request's confirmation email, where the clinic allows it."""
    return _password_page(
        request,
        check_link=lambda: actions.self_registration_patient(token).organisation,
        save=lambda **fields: actions.do_register_portal_account(token, **fields),
        title="Create your patient portal account",
    )
