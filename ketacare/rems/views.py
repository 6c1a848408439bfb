"""Esketamine REMS pages: dashboard (deadlines and certification), certifications, patient
enrollment, the monitoring form (filled from the session chart) and its PDF. Thin views."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.permissions import (
    permission_required,
    require_permission,
    user_may,
)
from ketacare.accounts.selectors import colleagues
from ketacare.clinics.models import Location
from ketacare.lib.forms import error_text
from ketacare.lib.views import run_action, run_form_action
from ketacare.lib.zones import show_times_in
from ketacare.rems import actions
from ketacare.rems.domain.form import FIELD_LABELS
from ketacare.rems.forms import (
    CertificationForm,
    EnrollmentForm,
    MonitoringFormForm,
    SubmittedForm,
)
from ketacare.rems.selectors import (
    access_form_by_id,
    access_form_for_print,
    access_patient_rems_by_patient_id,
    certifications_of,
    enrollment_default_date,
    location_statuses,
    rems_dashboard,
)


@permission_required(Permission.REMS_VIEW)
@require_GET
def dashboard(request):
    """Monitoring forms due within the REMS deadline and overdue; locations' certification."""
    return render(
        request,
        "rems/dashboard.html",
        {
            "dashboard": rems_dashboard(request.user),
            "may_finalise": user_may(request.user, Permission.REMS_FINALISE),
        },
    )


def _certifications(request, form=None):
    user = request.user
    may_manage = user_may(user, Permission.REMS_MANAGE)
    if may_manage and form is None:
        form = CertificationForm(locations=Location.objects.filter(organisation_id=user.organisation_id))
    return render(
        request,
        "rems/certifications.html",
        {
            "certifications": certifications_of(user),
            "statuses": location_statuses(user),
            "form": form if may_manage else None,
        },
    )


@permission_required(Permission.REMS_VIEW)
def certifications(request):
    """Each location's REMS certification; prescribers and clinic admins record them here."""
    if request.method != "POST":
        return _certifications(request)
    require_permission(request.user, Permission.REMS_MANAGE)
    form = CertificationForm(
        request.POST, locations=Location.objects.filter(organisation_id=request.user.organisation_id)
    )
    return run_form_action(
        request,
        form,
        lambda: actions.do_record_certification(request.user, **form.cleaned_data),
        success="Certification recorded.",
        redirect_to="rems:certifications",
    ) or _certifications(request, form)


@permission_required(Permission.REMS_MANAGE)
@require_POST
def certification_withdraw(request, pk: int):
    # The action checks the reason (after finding the certification, so others' ids stay 404).
    return run_action(
        request,
        lambda: actions.do_withdraw_certification(request.user, pk, reason=request.POST.get("reason", "")),
        success="Certification withdrawn.",
        failure="Not withdrawn.",
        redirect_to="rems:certifications",
    )


def _patient(request, patient_id: int, form=None):
    user = request.user
    rems = access_patient_rems_by_patient_id(user, patient_id)
    may_manage = user_may(user, Permission.REMS_MANAGE)
    if may_manage and form is None:
        form = EnrollmentForm(
            prescribers=colleagues(user, roles=[Role.PRESCRIBER]),
            initial={
                "enrolled_on": enrollment_default_date(rems.patient),
                "enrolled_by_id": user.pk if user.role == Role.PRESCRIBER else None,
            },
        )
    return render(
        request,
        "rems/patient.html",
        {
            "rems": rems,
            "patient": rems.patient,
            "form": form if may_manage and not rems.active_enrollment else None,
            "may_withdraw": may_manage and rems.active_enrollment is not None,
        },
    )


@permission_required(Permission.REMS_VIEW)
def patient(request, patient_id: int):
    """A patient's REMS enrollment and monitoring forms; enrollment is recorded here."""
    if request.method != "POST":
        return _patient(request, patient_id)
    require_permission(request.user, Permission.REMS_MANAGE)
    form = EnrollmentForm(request.POST, prescribers=colleagues(request.user, roles=[Role.PRESCRIBER]))
    return run_form_action(
        request,
        form,
        lambda: actions.do_enroll_patient(request.user, patient_id, **form.cleaned_data),
        success="Enrollment recorded.",
        redirect_to=reverse("rems:patient", args=[patient_id]),
    ) or _patient(request, patient_id, form)


@permission_required(Permission.REMS_MANAGE)
@require_POST
def enrollment_withdraw(request, patient_id: int):
    reason = request.POST.get("reason", "")
    return run_action(
        request,
        lambda: actions.do_withdraw_enrollment(request.user, patient_id, reason=reason),
        success="Enrollment withdrawn.",
        failure="Not withdrawn.",
        redirect_to=reverse("rems:patient", args=[patient_id]),
    )


@permission_required(Permission.REMS_FINALISE)
@require_POST
def form_from_session(request, session_id: int):
    """Open (or create) the session's monitoring form, filled from its chart."""
    try:
        form = actions.do_create_form_from_session(request.user, session_id)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        return redirect("rems:dashboard")
    return redirect("rems:form_detail", pk=form.pk)


def _form_detail(request, pk: int, edit_form=None):
    user = request.user
    form = access_form_by_id(user, pk)
    show_times_in(form.location.zone)
    may_finalise = user_may(user, Permission.REMS_FINALISE)
    if may_finalise and not form.is_locked and edit_form is None:
        edit_form = MonitoringFormForm(instance=form, clinicians=colleagues(user, roles=[Role.NURSE, Role.PRESCRIBER]))
    values = actions.form_values(form)
    return render(
        request,
        "rems/form_detail.html",
        {
            "form": form,
            "patient": form.patient,
            "edit_form": edit_form if may_finalise and not form.is_locked else None,
            "missing": [label for name, label in FIELD_LABELS.items() if values.get(name) in (None, "")],
            "submitted_form": SubmittedForm() if may_finalise and form.is_locked and not form.submitted_on else None,
        },
    )


@permission_required(Permission.REMS_VIEW)
def form_detail(request, pk: int):
    """The form; clinicians complete the draft here (values pre-filled from the chart)."""
    if request.method != "POST":
        return _form_detail(request, pk)
    require_permission(request.user, Permission.REMS_FINALISE)
    instance = access_form_by_id(request.user, pk, audit=False)
    edit_form = MonitoringFormForm(
        request.POST, instance=instance, clinicians=colleagues(request.user, roles=[Role.NURSE, Role.PRESCRIBER])
    )
    return run_form_action(
        request,
        edit_form,
        lambda: actions.do_update_form(request.user, pk, **edit_form.changes()),
        success="Form saved.",
        redirect_to=reverse("rems:form_detail", args=[pk]),
    ) or _form_detail(request, pk, edit_form)


@permission_required(Permission.REMS_FINALISE)
@require_POST
def form_finalise(request, pk: int):
    return run_action(
        request,
        lambda: actions.do_finalise_form(request.user, pk),
        success="Form finalised; it is now locked.",
        failure="Not finalised.",
        redirect_to=reverse("rems:form_detail", args=[pk]),
    )


@permission_required(Permission.REMS_FINALISE)
@require_POST
def form_refill(request, pk: int):
    return run_action(
        request,
        lambda: actions.do_refill_form_from_chart(request.user, pk),
        success="Blank fields filled again from the session chart.",
        redirect_to=reverse("rems:form_detail", args=[pk]),
    )


@permission_required(Permission.REMS_FINALISE)
@require_POST
def form_submitted(request, pk: int):
    form = SubmittedForm(request.POST)

    def mark_submitted():
        if not form.is_valid():
            access_form_by_id(request.user, pk, audit=False)  # another organisation's form stays 404
            raise ValidationError({"submitted_on": "Enter a date."})
        return actions.do_mark_form_submitted(request.user, pk, **form.cleaned_data)

    return run_action(
        request, mark_submitted, success="Submission recorded.", redirect_to=reverse("rems:form_detail", args=[pk])
    )


@permission_required(Permission.REMS_VIEW)
@require_GET
def form_pdf(request, pk: int):
    form = access_form_for_print(request.user, pk)
    # reportlab loads with the first PDF, not in every worker.
    from ketacare.rems.pdf import render_form_pdf

    response = HttpResponse(render_form_pdf(form), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="rems-monitoring-form-{form.pk}.pdf"'
    return response
