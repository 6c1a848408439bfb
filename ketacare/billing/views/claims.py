"""Claims pages under /billing/claims/: the list (build claims from final charges), one claim (status,
the payer's claim number, a replacement or void claim, withdrawing it, CMS-1500 PDF, savings-program claim), the
837P export (download) and its files, and a patient's claims and superbill. Thin: one form, one action or
selector."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.billing.actions import claims as actions
from ketacare.billing.domain.claims import CLAIM_TRANSITIONS, DECIDED, RECEIVED, correction_problem, withdrawal_problem
from ketacare.billing.forms.claims import (
    ClaimStatusForm,
    DateRangeForm,
    PayerClaimNumberForm,
    SuperbillForm,
    WithdrawClaimForm,
)
from ketacare.billing.models import ClaimFrequency, ClaimStatus
from ketacare.billing.selectors.claims import (
    access_claim_by_id,
    access_claim_export_by_id,
    claim_exports_for,
    claims_for,
    patient_claims,
    superbill_for,
)
from ketacare.billing.selectors.insurance import billing_patient_by_id, patient_today
from ketacare.lib.forms import show_errors
from ketacare.lib.views import run_action, run_form_action

X12_TYPE = "application/edi-x12"
# The correction form asks for the payer's number too: its own element ids on the claim page.
CORRECTION_IDS = "correction_%s"


def _attachment(content: bytes | str, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@permission_required(Permission.CLAIMS_MANAGE)
@require_GET
def claims_list(request):
    """The organisation's claims by status; build claims from final charges of insured patients."""
    status = request.GET.get("status", "")
    status = status if status in ClaimStatus.values else ""
    return render(
        request,
        "billing/claims/list.html",
        {
            "claims": claims_for(request.user, status=status).order_by("-created_at")[:200],
            "status": status,
            "statuses": ClaimStatus.choices,
            "form": DateRangeForm(),
        },
    )


@permission_required(Permission.CLAIMS_MANAGE)
@require_POST
def claims_build(request):
    form = DateRangeForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "billing/claims/list.html",
            {"claims": claims_for(request.user)[:200], "statuses": ClaimStatus.choices, "form": form},
            status=422,
        )
    return run_action(
        request,
        lambda: actions.do_build_claims(request.user, **form.cleaned_data),
        success=lambda claims: (
            f"{len(claims)} claim{'s' if len(claims) != 1 else ''} built."
            if claims
            else "No final charges of insured patients are waiting for a claim."
        ),
        failure="No claims built.",
        redirect_to=reverse("billing:claims"),
    )


def _claim_page(request, claim_id: int, form=None, *, payer_number_form=None, correction_form=None, withdraw_form=None):
    """The claim page; a form given is the one just posted, shown again with its errors."""
    claim = access_claim_by_id(request.user, claim_id)
    history = list(claim.status_changes.select_related("changed_by"))
    next_statuses = [(value, ClaimStatus(value).label) for value in sorted(CLAIM_TRANSITIONS[claim.status])]
    may_correct = correction_problem(claim.status, claim.frequency_code) is None
    may_withdraw = withdrawal_problem([change.status for change in history]) is None
    initial = {"payer_claim_number": claim.payer_claim_number}
    posted = [
        posted_form
        for posted_form in (form, payer_number_form, correction_form, withdraw_form)
        if posted_form is not None
    ]
    return render(
        request,
        "billing/claims/detail.html",
        {
            "claim": claim,
            "lines": claim.lines.select_related("charge").order_by("line_number"),
            "history": history,
            "form": form or (ClaimStatusForm(initial={"status": next_statuses[0][0]}) if next_statuses else None),
            "next_statuses": next_statuses,
            "may_build_secondary": claim.status in DECIDED
            and not claim.primary_claim_id
            and claim.frequency_code != ClaimFrequency.VOID,
            # A posted form is shown again even where the claim offers none now: its refusal is on it.
            "payer_number_form": payer_number_form
            or (PayerClaimNumberForm(initial=initial) if claim.status in RECEIVED else None),
            "correction_form": correction_form
            or (PayerClaimNumberForm(initial=initial, auto_id=CORRECTION_IDS) if may_correct else None),
            "withdraw_form": withdraw_form or (WithdrawClaimForm() if may_withdraw else None),
            "replaced_by": claim.replaced_by,
        },
        status=422 if any(posted_form.errors for posted_form in posted) else 200,
    )


@permission_required(Permission.CLAIMS_MANAGE)
@require_http_methods(["GET", "POST"])
def claim_detail(request, claim_id: int):
    """One claim: lines, status history, the next status; its CMS-1500 PDF."""
    if request.method != "POST":
        return _claim_page(request, claim_id)
    form = ClaimStatusForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_change_claim_status(request.user, claim_id, **form.cleaned_data),
        success=lambda claim: f"Claim {claim.number} is {claim.get_status_display().lower()}.",
        redirect_to=reverse("billing:claim", args=[claim_id]),
    ) or _claim_page(request, claim_id, form)


@permission_required(Permission.CLAIMS_MANAGE)
@require_POST
def claim_payer_number(request, claim_id: int):
    """Record the payer's claim control number from its response."""
    form = PayerClaimNumberForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_record_payer_claim_number(request.user, claim_id, **form.cleaned_data),
        success=lambda claim: f"Payer's claim number of {claim.number} saved.",
        redirect_to=reverse("billing:claim", args=[claim_id]),
    ) or _claim_page(request, claim_id, payer_number_form=form)


def _correction(request, claim_id: int, action, kind: str):
    form = PayerClaimNumberForm(request.POST, auto_id=CORRECTION_IDS)
    return run_form_action(
        request,
        form,
        lambda: action(request.user, claim_id, **form.cleaned_data),
        success=lambda claim: (
            f"{kind} claim {claim.number} built (a draft); {claim.replaces.number} is "
            f"{claim.replaces.get_status_display().lower()}."
        ),
        redirect_to=lambda claim: reverse("billing:claim", args=[claim.pk]),
    ) or _claim_page(request, claim_id, correction_form=form)


@permission_required(Permission.CLAIMS_MANAGE)
@require_POST
def claim_correct(request, claim_id: int):
    """A replacement claim (frequency 7) built from the charges as they are now."""
    return _correction(request, claim_id, actions.do_correct_claim, "Replacement")


@permission_required(Permission.CLAIMS_MANAGE)
@require_POST
def claim_void(request, claim_id: int):
    """A void claim (frequency 8) cancelling the claim at the payer."""
    return _correction(request, claim_id, actions.do_void_claim, "Void")


def _withdrawn(claim) -> str:
    corrected = claim.replaces
    again = f" {corrected.number} is {corrected.get_status_display().lower()} again." if corrected else ""
    return f"Claim {claim.number} withdrawn.{again}"


@permission_required(Permission.CLAIMS_MANAGE)
@require_POST
def claim_withdraw(request, claim_id: int):
    """Withdraw a draft or ready claim the payer never received, with the reason."""
    form = WithdrawClaimForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: actions.do_withdraw_claim(request.user, claim_id, **form.cleaned_data),
        success=_withdrawn,
        redirect_to=reverse("billing:claim", args=[claim_id]),
    ) or _claim_page(request, claim_id, withdraw_form=form)


@permission_required(Permission.CLAIMS_MANAGE)
@require_POST
def claim_secondary(request, claim_id: int):
    return run_action(
        request,
        lambda: actions.do_build_secondary_claim(request.user, claim_id),
        success=lambda claim: f"Savings-program claim {claim.number} built.",
        failure="No savings-program claim built.",
        redirect_to=lambda claim: reverse("billing:claim", args=[claim.pk]),
        failure_redirect_to=reverse("billing:claim", args=[claim_id]),
    )


@permission_required(Permission.CLAIMS_MANAGE)
@require_GET
def claim_cms1500(request, claim_id: int):
    claim = access_claim_by_id(request.user, claim_id)
    from ketacare.billing.claim_documents import cms1500_pdf  # reportlab loads with the first PDF

    return _attachment(cms1500_pdf(claim), f"claim-{claim.number}-cms1500.pdf", "application/pdf")


def _export_page(request, form, status=200):
    return render(
        request,
        "billing/claims/export.html",
        {
            "form": form,
            "exports": claim_exports_for(request.user)[:50],
            "ready": claims_for(request.user, status=ClaimStatus.READY).count(),
        },
        status=status,
    )


@permission_required(Permission.CLAIMS_MANAGE)
@require_http_methods(["GET", "POST"])
def claims_export(request):
    """The 837P file of the ready claims in the dates, as a download (they become sent)."""
    if request.method != "POST":
        return _export_page(request, DateRangeForm())
    form = DateRangeForm(request.POST)
    if form.is_valid():
        try:
            export = actions.do_export_837p(request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            return _attachment(export.content, f"837p-{export.control_number:09d}.x12", X12_TYPE)
    return _export_page(request, form, status=422)


@permission_required(Permission.CLAIMS_MANAGE)
@require_GET
def claims_export_file(request, export_id: int):
    """An 837P file written before, as it was written."""
    export = access_claim_export_by_id(request.user, export_id)
    return _attachment(export.content, f"837p-{export.control_number:09d}.x12", X12_TYPE)


def _superbill_defaults(patient) -> dict:
    today = patient_today(patient)
    return {"date_from": today - dt.timedelta(days=30), "date_to": today}


@permission_required(Permission.BILLING_VIEW)
@require_GET
def claims_patient(request, patient_id: int):
    """A patient's claims (for who manages them) and the superbill form."""
    patient = billing_patient_by_id(request.user, patient_id)
    may_manage = user_may(request.user, Permission.CLAIMS_MANAGE)
    return render(
        request,
        "billing/claims/patient.html",
        {
            "patient": patient,
            "claims": patient_claims(request.user, patient) if may_manage else None,
            "form": SuperbillForm(initial=_superbill_defaults(patient)),
        },
    )


@permission_required(Permission.BILLING_VIEW)
@require_GET
def superbill(request, patient_id: int):
    """The superbill PDF for the services in the dates, by default the last 30 days (bad dates: the form again,
    naming the field)."""
    patient = billing_patient_by_id(request.user, patient_id, audit=False)
    defaults = {name: day.isoformat() for name, day in _superbill_defaults(patient).items()}
    form = SuperbillForm(request.GET or defaults)
    if not form.is_valid():
        return render(
            request, "billing/claims/patient.html", {"patient": patient, "claims": None, "form": form}, status=422
        )
    document = superbill_for(request.user, patient_id, **form.cleaned_data)
    from ketacare.billing.claim_documents import superbill_pdf

    return _attachment(superbill_pdf(document), f"superbill-{document.patient.record_number}.pdf", "application/pdf")


urlpatterns = [
    path("claims/", claims_list, name="claims"),
    path("claims/build/", claims_build, name="claims_build"),
    path("claims/export/", claims_export, name="claims_export"),
    path("claims/export/<int:export_id>/", claims_export_file, name="claims_export_file"),
    path("claims/patients/<int:patient_id>/", claims_patient, name="claims_patient"),
    path("claims/patients/<int:patient_id>/superbill.pdf", superbill, name="superbill"),
    path("claims/<int:claim_id>/", claim_detail, name="claim"),
    path("claims/<int:claim_id>/cms1500.pdf", claim_cms1500, name="claim_cms1500"),
    path("claims/<int:claim_id>/secondary/", claim_secondary, name="claim_secondary"),
    path("claims/<int:claim_id>/payer-number/", claim_payer_number, name="claim_payer_number"),
    path("claims/<int:claim_id>/correct/", claim_correct, name="claim_correct"),
    path("claims/<int:claim_id>/void/", claim_void, name="claim_void"),
    path("claims/<int:claim_id>/withdraw/", claim_withdraw, name="claim_withdraw"),
]
