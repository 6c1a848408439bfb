"""Consent pages: the patient's consents for staff (and the chart section), signing on the clinic tablet
in kiosk mode and in the portal, the signed PDF, revocation (by staff, or the patient in the portal), and
the consent texts a clinic admin versions, previews and retires. Thin: every write is an action."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, require_permission
from ketacare.audit.models import AuditAction
from ketacare.consents import actions
from ketacare.consents.actions import BODY_MAX_CHARS
from ketacare.consents.forms import MAJOR, ConsentTextVersionForm
from ketacare.consents.markdown import render_markdown
from ketacare.consents.models import Channel, CoSignature
from ketacare.consents.selectors import (
    access_consents_by_patient_id,
    access_signed_consent_by_id,
    access_template_by_id,
    current_templates_of,
    list_current_templates,
    own_patient,
    patient_consents,
)
from ketacare.lib.views import run_action, run_form_action
from ketacare.measures import kiosk
from ketacare.patients.selectors import access_patient_by_id


def consents_section(request, patient) -> str:
    """The patient's consents on the chart (registered in patients.hooks; the chart has checked access)."""
    if not request.user.may(Permission.PATIENT_VIEW):
        return ""
    return render_to_string(
        "consents/_section.html",
        {"summary": patient_consents(patient), "may_collect": request.user.may(Permission.CONSENTS_COLLECT)},
        request=request,
    )


@permission_required(Permission.PATIENT_VIEW)
@require_GET
def patient_page(request, patient_id: int):
    summary = access_consents_by_patient_id(request.user, patient_id)
    return render(
        request,
        "consents/patient.html",
        {"summary": summary, "patient": summary.patient, "may_collect": request.user.may(Permission.CONSENTS_COLLECT)},
    )


def _pdf_response(consent) -> HttpResponse:
    response = HttpResponse(bytes(consent.pdf), content_type="application/pdf")
    name = f"consent-{consent.template.key}-v{consent.template.version}-{consent.pk}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@permission_required(Permission.PATIENT_VIEW)
@require_GET
def pdf(request, consent_id: int):
    return _pdf_response(access_signed_consent_by_id(request.user, consent_id, purpose=AuditAction.EXPORT))


@permission_required(Permission.CONSENTS_COLLECT)
@require_POST
def revoke(request, consent_id: int):
    consent = access_signed_consent_by_id(request.user, consent_id)
    back = reverse("consents:patient", args=[consent.patient_id])
    return run_action(
        request,
        lambda: actions.do_revoke_consent(request.user, consent_id, reason=request.POST.get("reason", "")),
        success="Consent revoked.",
        redirect_to=back,
        failure="Not revoked.",
    )


@permission_required(Permission.PATIENT_VIEW)
@require_GET
def templates_page(request):
    return render(
        request,
        "consents/templates.html",
        {
            "templates": list_current_templates(request.user),
            "may_manage": request.user.may(Permission.CONSENT_TEMPLATES_MANAGE),
        },
    )


@permission_required(Permission.PATIENT_VIEW)
@require_http_methods(["GET", "POST"])
def template_page(request, template_id: int):
    """A consent text; clinic admins make its next version here (from a built-in example: the clinic's own
    copy), preview the Markdown as patients will read it, and retire the clinic's own texts."""
    user = request.user
    template = access_template_by_id(user, template_id)
    may_manage = user.may(Permission.CONSENT_TEMPLATES_MANAGE)
    if request.method == "POST":
        require_permission(user, Permission.CONSENT_TEMPLATES_MANAGE)
    form = ConsentTextVersionForm.for_template(template, request.POST or None) if may_manage else None
    preview = None
    if form is not None and "preview" in request.POST:
        form.is_valid()  # shows what is wrong too; nothing is saved
        preview = render_markdown(request.POST.get("body_markdown", "")[:BODY_MAX_CHARS])
    elif form is not None:
        done = run_form_action(
            request,
            form,
            lambda: actions.do_new_consent_template_version(
                user, template.pk, major=form.cleaned_data["version_kind"] == MAJOR, **form.changes()
            ),
            success=lambda new: (
                f"Saved as version {new.version}"
                + (": patients who signed an earlier version sign again." if new.version_minor == 0 else ".")
            ),
            redirect_to=lambda new: reverse("consents:template", args=[new.pk]),
        )
        if done:
            return done
    current = current_templates_of(user.organisation_id).get(template.key)
    return render(
        request,
        "consents/template.html",
        {
            "template": template,
            "body": render_markdown(template.body_markdown),
            "is_current": current is not None and current.pk == template.pk,
            "current": current,
            "form": form,
            "preview": preview,
            "may_manage": may_manage,
        },
        status=422 if form is not None and form.is_bound and form.errors else 200,
    )


@permission_required(Permission.CONSENT_TEMPLATES_MANAGE)
@require_POST
def template_retire(request, template_id: int):
    return run_action(
        request,
        lambda: actions.do_retire_consent_template(request.user, template_id, reason=request.POST.get("reason", "")),
        success="Consent text retired: no patient is asked to sign it any more.",
        redirect_to=reverse("consents:templates"),
        failure="Not retired.",
        failure_redirect_to=reverse("consents:template", args=[template_id]),
    )


# ---------------------------------------------------------------- signing: one form, three places


def _sign_context(template, patient, *, action: str, channel: str, error_fields: dict | None = None, values=None):
    return {
        "template": template,
        "patient": patient,
        "body": render_markdown(template.body_markdown),
        "action": action,
        "channel": channel,
        "needs_witness": template.co_signature != CoSignature.NONE,
        "witness_is_prescriber": template.co_signature == CoSignature.PRESCRIBER,
        "errors": error_fields or {},
        "values": values or {},
    }


def _sign_from_post(request, patient, template, channel: str):
    """Call the signing action with the posted form; (consent, None) or (None, {field: message})."""
    try:
        consent = actions.do_sign_consent(
            request.user,
            patient.pk,
            template_id=template.pk,
            typed_name=request.POST.get("typed_name", ""),
            signature_data_url=request.POST.get("signature", ""),
            channel=channel,
            witness_username=request.POST.get("witness_username"),
            witness_password=request.POST.get("witness_password"),
        )
    except ValidationError as error:
        fields = error.message_dict if hasattr(error, "error_dict") else {"general": error.messages}
        # Errors without a field of the form ("__all__") are shown at the top with the others.
        return None, {field.strip("_") or "general": " ".join(texts) for field, texts in fields.items()}
    return consent, None


# Kiosk: staff hand the tablet to the patient; measures' kiosk mode keeps everything else out of reach.


@permission_required(Permission.CONSENTS_COLLECT)
@require_POST
def tablet_start(request, patient_id: int, template_id: int):
    patient = access_patient_by_id(request.user, patient_id, audit=False)
    template = access_template_by_id(request.user, template_id)
    back = kiosk.safe_return_to(request, request.POST.get("next", ""), reverse("consents:patient", args=[patient.pk]))
    if template.pk not in {t.pk for t in current_templates_of(patient.organisation_id).values()}:
        messages.error(request, "This is not the clinic's current version of this consent.")
        return redirect(back)
    kiosk.enter_kiosk_at(
        request,
        reverse("consents:kiosk"),
        template,
        patient=patient,
        return_to=back,
        consent_patient=patient.pk,
        consent_template=template.pk,
    )
    return redirect("consents:kiosk")


def _kiosk_state(request):
    state = kiosk.kiosk_of(request) or {}
    if "consent_template" not in state:
        return None, None, state
    patient = access_patient_by_id(request.user, state["consent_patient"], audit=False)
    return patient, access_template_by_id(request.user, state["consent_template"]), state


@permission_required(Permission.CONSENTS_COLLECT)
@require_http_methods(["GET", "POST"])
def kiosk_page(request):
    patient, template, state = _kiosk_state(request)
    if template is None:
        return render(request, "consents/kiosk_off.html")
    if state.get("signed"):
        return render(request, "consents/kiosk_done.html", {"template": template})
    context = _sign_context(template, patient, action=reverse("consents:kiosk"), channel=Channel.KIOSK)
    if request.method == "POST":
        consent, errors = _sign_from_post(request, patient, template, Channel.KIOSK)
        if consent is not None:
            request.session[kiosk.SESSION_KEY] = {**state, "signed": consent.pk}
            return render(request, "consents/kiosk_done.html", {"template": template})
        context.update(errors=errors, values={"typed_name": request.POST.get("typed_name", "")})
        return render(request, "consents/kiosk_sign.html", context, status=422)
    return render(request, "consents/kiosk_sign.html", context)


# Portal: the signed-in patient's own consents.


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def portal_list(request):
    patient = own_patient(request.user)
    if patient is None:
        return render(request, "consents/portal_list.html", {"summary": None})
    summary = access_consents_by_patient_id(request.user, patient.pk)
    return render(request, "consents/portal_list.html", {"summary": summary})


@permission_required(Permission.OWN_RECORD_VIEW)
@require_http_methods(["GET", "POST"])
def portal_sign(request, template_id: int):
    patient = own_patient(request.user)
    template = access_template_by_id(request.user, template_id)
    if patient is None:
        return redirect("consents:portal_list")
    context = _sign_context(
        template, patient, action=reverse("consents:portal_sign", args=[template.pk]), channel=Channel.PORTAL
    )
    if request.method == "POST":
        consent, errors = _sign_from_post(request, patient, template, Channel.PORTAL)
        if consent is not None:
            messages.success(request, f"Signed: {template.title}. You can download the signed PDF below.")
            return redirect("consents:portal_list")
        context.update(errors=errors, values={"typed_name": request.POST.get("typed_name", "")})
        return render(request, "consents/portal_sign.html", context, status=422)
    return render(request, "consents/portal_sign.html", context)


@permission_required(Permission.OWN_RECORD_VIEW)
@require_POST
def portal_revoke(request, consent_id: int):
    """The patient withdraws their own consent, with a reason (a new record; the signed consent is kept)."""
    access_signed_consent_by_id(request.user, consent_id)  # someone else's: 404 before any reason is read
    back = reverse("consents:portal_list")
    return run_action(
        request,
        lambda: actions.do_revoke_consent(request.user, consent_id, reason=request.POST.get("reason", "")),
        success="Consent withdrawn. The clinic sees it on your record; treatment it covered will not go ahead "
        "until you sign again.",
        redirect_to=back,
        failure="Not withdrawn.",
    )


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def portal_pdf(request, consent_id: int):
    return _pdf_response(access_signed_consent_by_id(request.user, consent_id, purpose=AuditAction.EXPORT))
