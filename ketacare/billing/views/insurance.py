"""Insurance pages under /billing/insurance/: payers, a patient's coverage, benefits investigations and prior
authorisations, the authorisations to watch, and a session's acquisition mode. Thin: one form, one action."""

from functools import partial

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.billing.actions import insurance as actions
from ketacare.billing.forms.insurance import (
    AcquisitionForm,
    BenefitsInvestigationForm,
    CoverageForm,
    EndCoverageForm,
    PayerForm,
    PriorAuthorizationForm,
)
from ketacare.billing.selectors.insurance import (
    access_authorization_by_id,
    access_coverage_by_id,
    access_insurance_file,
    access_payer_by_id,
    access_session_for_acquisition,
    authorizations_to_watch,
    billing_patient_by_id,
    insurance_summary,
    may_record_acquisition,
    payers_for,
    session_acquisition,
    shipment_receipts_for,
)
from ketacare.lib.views import run_action, run_form_action
from ketacare.lib.zones import show_times_in

FORM_PAGE = "billing/insurance/form.html"


def _form_view(request, form, action, *, success, back: str, title: str, button: str, patient=None):
    """A page of one form: a valid post runs `action` and goes back to `back` with `success`; otherwise the
    form is shown (again, with the errors the form or the action found)."""
    return run_form_action(request, form, action, success=success, redirect_to=back) or render(
        request,
        FORM_PAGE,
        {"form": form, "title": title, "back": back, "button": button, "patient": patient},
        status=422 if form.errors else 200,
    )


def _patient_url(patient_id: int) -> str:
    return reverse("billing:insurance_patient", args=[patient_id])


# ---------------------------------------------------------------- payers


@permission_required(Permission.BILLING_VIEW)
def payers(request):
    return render(
        request,
        "billing/insurance/payers.html",
        {"payers": payers_for(request.user), "may_setup": user_may(request.user, Permission.BILLING_SETUP)},
    )


@permission_required(Permission.BILLING_SETUP)
@require_http_methods(["GET", "POST"])
def payer_new(request):
    form = PayerForm(request.POST or None)
    return _form_view(
        request,
        form,
        lambda: actions.do_create_payer(request.user, **form.cleaned_data),
        success=lambda payer: f"Payer {payer.name} added.",
        back=reverse("billing:insurance_payers"),
        title="New payer",
        button="Add payer",
    )


@permission_required(Permission.BILLING_SETUP)
@require_http_methods(["GET", "POST"])
def payer_edit(request, pk: int):
    payer = access_payer_by_id(request.user, pk)
    form = PayerForm(request.POST or None, initial={name: getattr(payer, name) for name in actions.PAYER_FIELDS})
    return _form_view(
        request,
        form,
        lambda: actions.do_update_payer(request.user, payer.pk, **form.cleaned_data),
        success="Payer saved.",
        back=reverse("billing:insurance_payers"),
        title=f"Payer {payer.name}",
        button="Save",
    )


# ---------------------------------------------------------------- a patient's insurance


@permission_required(Permission.BILLING_VIEW)
def patient_insurance(request, patient_id: int):
    file = access_insurance_file(request.user, patient_id)
    show_times_in(file.patient.zone_name)
    return render(
        request,
        "billing/insurance/patient.html",
        {
            "file": file,
            "patient": file.patient,
            "may_manage": user_may(request.user, Permission.INSURANCE_MANAGE),
            "end_form": EndCoverageForm(initial={"end_date": file.today}),
        },
    )


@permission_required(Permission.INSURANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def coverage_new(request, patient_id: int):
    patient = billing_patient_by_id(request.user, patient_id, audit=request.method == "GET")
    form = CoverageForm(request.POST or None, payers=payers_for(request.user, include_inactive=False))
    return _form_view(
        request,
        form,
        lambda: actions.do_add_coverage(request.user, patient_id=patient.pk, **form.cleaned_data),
        success="Coverage added.",
        back=_patient_url(patient.pk),
        title="Add coverage",
        button="Add",
        patient=patient,
    )


@permission_required(Permission.INSURANCE_MANAGE)
@require_POST
def coverage_end(request, pk: int):
    coverage = access_coverage_by_id(request.user, pk)
    form = EndCoverageForm(request.POST)
    end_date = form.cleaned_data["end_date"] if form.is_valid() else None
    return run_action(
        request,
        partial(actions.do_end_coverage, request.user, coverage.pk, end_date=end_date),
        success="Coverage ended.",
        failure="Not ended.",
        redirect_to=_patient_url(coverage.patient_id),
    )


def _coverage_record_view(form_class, record, *, what: str, initial: dict | None = None):
    """The page that records `what` about one coverage (`record(actor, coverage_id=..., **fields)`), then back
    to the patient's insurance page."""

    @permission_required(Permission.INSURANCE_MANAGE)
    @require_http_methods(["GET", "POST"])
    def view(request, coverage_id: int):
        coverage = access_coverage_by_id(request.user, coverage_id)
        form = form_class(request.POST or None, initial=initial)
        return _form_view(
            request,
            form,
            lambda: record(request.user, coverage_id=coverage.pk, **form.cleaned_data),
            success=f"{what} recorded.",
            back=_patient_url(coverage.patient_id),
            title=f"{what} · {coverage.payer.name} {coverage.member_id}",
            button="Record",
            patient=coverage.patient,
        )

    return view


benefits_new = _coverage_record_view(
    BenefitsInvestigationForm, actions.do_record_benefits_investigation, what="Benefits investigation"
)
authorization_new = _coverage_record_view(
    PriorAuthorizationForm,
    actions.do_record_prior_authorization,
    what="Prior authorisation",
    initial={"service_code": "J0013"},
)


@permission_required(Permission.INSURANCE_MANAGE)
@require_http_methods(["GET", "POST"])
def authorization_edit(request, pk: int):
    authorization = access_authorization_by_id(request.user, pk)
    initial = {name: getattr(authorization, name) for name in actions.AUTHORIZATION_FIELDS}
    form = PriorAuthorizationForm(request.POST or None, initial=initial)
    return _form_view(
        request,
        form,
        lambda: actions.do_update_prior_authorization(request.user, authorization.pk, **form.cleaned_data),
        success="Prior authorisation saved.",
        back=_patient_url(authorization.patient_id),
        title=f"Prior authorisation {authorization.number or '(pending)'}",
        button="Save",
        patient=authorization.patient,
    )


@permission_required(Permission.BILLING_VIEW)
def authorizations(request):
    """Approved authorisations that are running out, used up, expiring or expired: chase the payer."""
    return render(request, "billing/insurance/authorizations.html", {"rows": authorizations_to_watch(request.user)})


# ---------------------------------------------------------------- a session's acquisition


@require_http_methods(["GET", "POST"])
def session_acquisition_page(request, session_id: int):
    """Who may: the care team that sees sessions and billing (view); nurses, prescribers and insurance staff
    (record). The selector and the action check it; anonymous users are sent to sign in first."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    session = access_session_for_acquisition(request.user, session_id)
    may_record = may_record_acquisition(request.user)
    if request.method == "POST" and not may_record:
        raise PermissionDenied("Your role may not record how esketamine was acquired.")
    show_times_in(session.location.zone)
    form = (
        AcquisitionForm(request.POST or None, receipts=shipment_receipts_for(session)[:50], zone=session.location.zone)
        if may_record
        else None
    )
    response = None
    if form is not None:
        response = run_form_action(
            request,
            form,
            lambda: actions.do_record_session_acquisition(request.user, session_id=session.pk, **form.cleaned_data),
            success="Acquisition recorded.",
            redirect_to=request.path,
        )
    return response or render(
        request,
        "billing/insurance/acquisition.html",
        {
            "session": session,
            "acquisition": session_acquisition(session),
            "form": form,
            "back": reverse("treatments:session", args=[session.pk])
            if user_may(request.user, Permission.SESSION_VIEW)
            else _patient_url(session.patient_id),
        },
        status=422 if form is not None and form.errors else 200,
    )


# ---------------------------------------------------------------- the chart section


def insurance_section(request, patient) -> str:
    """Coverage and the esketamine authorisation's status on the chart (registered in patients.hooks; the chart
    has checked access). Front desk and clinic admins see it; billing staff have no chart, they use the page."""
    if not user_may(request.user, Permission.BILLING_VIEW):
        return ""
    return render_to_string(
        "billing/insurance/_section.html",
        {"file": insurance_summary(patient), "may_manage": user_may(request.user, Permission.INSURANCE_MANAGE)},
        request=request,
    )


urlpatterns = [
    path("insurance/payers/", payers, name="insurance_payers"),
    path("insurance/payers/new/", payer_new, name="insurance_payer_new"),
    path("insurance/payers/<int:pk>/", payer_edit, name="insurance_payer_edit"),
    path("insurance/authorizations/", authorizations, name="insurance_authorizations"),
    path("insurance/patient/<int:patient_id>/", patient_insurance, name="insurance_patient"),
    path("insurance/patient/<int:patient_id>/coverage/new/", coverage_new, name="insurance_coverage_new"),
    path("insurance/coverage/<int:pk>/end/", coverage_end, name="insurance_coverage_end"),
    path("insurance/coverage/<int:coverage_id>/benefits/new/", benefits_new, name="insurance_benefits_new"),
    path(
        "insurance/coverage/<int:coverage_id>/authorizations/new/",
        authorization_new,
        name="insurance_authorization_new",
    ),
    path("insurance/authorizations/<int:pk>/", authorization_edit, name="insurance_authorization_edit"),
    path("insurance/sessions/<int:session_id>/acquisition/", session_acquisition_page, name="insurance_acquisition"),
]
