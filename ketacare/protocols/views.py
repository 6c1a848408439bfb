"""Protocol template and treatment plan pages.

Thin: each view parses a form, calls one action or selector and renders or redirects. Errors an
action raises are shown on the form, naming the field.
"""

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, require_permission, user_may
from ketacare.lib.views import run_form_action, settings_form_page
from ketacare.protocols import actions
from ketacare.protocols.domain.plan_status import next_plan_statuses
from ketacare.protocols.forms import (
    AdjunctForm,
    ChartForm,
    DoseChangeForm,
    MaintenanceDecisionForm,
    OverrideForm,
    PlanForm,
    ProtocolSettingsForm,
    StatusForm,
    TemplateEditForm,
)
from ketacare.protocols.selectors import (
    DEFAULT_MAINTENANCE_INSTRUMENT,
    MAINTENANCE_INSTRUMENTS,
    access_maintenance_review_by_plan_id,
    access_plan_detail_by_id,
    access_plans_by_patient_id,
    access_protocol_settings,
    access_template_by_id,
    list_current_templates,
    may_override_plan_prerequisites,
)


@permission_required(Permission.PLANS_VIEW)
@require_GET
def template_list(request):
    return render(
        request,
        "protocols/template_list.html",
        {
            "templates": list_current_templates(request.user),
            "may_manage": user_may(request.user, Permission.PROTOCOLS_MANAGE),
        },
    )


@permission_required(Permission.PLANS_VIEW)
def template_detail(request, pk: int):
    """The template; clinic admins edit it here, which saves a new version."""
    user = request.user
    template = access_template_by_id(user, pk)
    may_manage = user_may(user, Permission.PROTOCOLS_MANAGE)
    form = None
    if may_manage:
        form = TemplateEditForm(request.POST if request.method == "POST" else None, instance=template)
        done = run_form_action(
            request,
            form,
            lambda: actions.do_edit_template(user, pk, **{name: form.cleaned_data[name] for name in form.changed_data}),
            success=lambda new: f"Saved as version {new.version}.",
            redirect_to=lambda new: reverse("protocols:template_detail", args=[new.pk]),
        )
        if done:
            return done
    elif request.method == "POST":
        require_permission(user, Permission.PROTOCOLS_MANAGE)
    return render(request, "protocols/template_detail.html", {"template": template, "form": form})


@permission_required(Permission.ORGANISATION_SETTINGS)
def settings_page(request):
    """The clinic admin's treatment-plan policy: may prescribers override a plan's missing prerequisites."""
    return settings_form_page(
        request,
        form_class=ProtocolSettingsForm,
        current=access_protocol_settings(request.user),
        update=actions.do_update_protocol_settings,
        template="protocols/settings.html",
        redirect_to="protocols:settings",
    )


def _plan_list(request, patient_id: int, form=None):
    user = request.user
    patient, plans = access_plans_by_patient_id(user, patient_id)
    may_manage = user_may(user, Permission.PLANS_MANAGE)
    if may_manage and form is None:
        form = PlanForm(templates=list_current_templates(user), initial={"start_date": patient.today()})
    if form is not None and not may_override_plan_prerequisites(user):
        del form.fields["override_reason"]  # the clinic does not allow it: not offered
    return render(
        request,
        "protocols/plan_list.html",
        {
            "patient": patient,
            "plans": plans,
            "form": form if may_manage else None,
        },
    )


@permission_required(Permission.PLANS_VIEW)
def plan_list(request, patient_id: int):
    """A patient's plans; prescribers create a plan from a template here."""
    if request.method != "POST":
        return _plan_list(request, patient_id)
    user = request.user
    require_permission(user, Permission.PLANS_MANAGE)
    form = PlanForm(request.POST, templates=list_current_templates(user))
    return run_form_action(
        request,
        form,
        lambda: actions.do_create_plan_from_template(user, patient_id, **form.cleaned_data),
        success="Plan created.",
        redirect_to=lambda plan: reverse("protocols:plan_detail", args=[plan.pk]),
    ) or _plan_list(request, patient_id, form)


def _first_fixed_dose_mg(template) -> float:
    from ketacare.protocols.pk_chart import ESKETAMINE_FIRST_DOSE_MG  # numpy and scipy load with the first chart

    for phase in template.fixed_dose_schedule:
        if isinstance(phase, dict) and isinstance(phase.get("first_dose_mg"), int | float):
            return phase["first_dose_mg"]
    return ESKETAMINE_FIRST_DOSE_MG


def _next_step(plan):
    try:
        return actions.next_titration_step_for(plan)
    except ValidationError:
        return None


def _render_plan(request, pk: int, **bound_forms):
    user = request.user
    detail = access_plan_detail_by_id(user, pk)
    plan = detail.plan
    chart_form = ChartForm(request.GET or None)
    options = chart_form.cleaned_data if chart_form.is_valid() else {}
    dose, dose_error, chart = None, "", None
    # numpy and scipy load with the first chart, not in every worker (issue 19).
    from ketacare.protocols.domain.pharmacokinetics import PharmacokineticsError
    from ketacare.protocols.pk_chart import build_pk_chart

    if plan.template.is_weight_based:
        try:
            dose = actions.do_calculate_dose(
                user, pk, concentration_mg_per_ml=options.get("concentration_mg_per_ml"), audit=False
            )
        except ValidationError as exc:
            dose_error = " ".join(exc.messages)
    try:
        if dose is not None:
            chart = build_pk_chart(
                route=plan.template.route,
                dose_mg=dose.dose_mg,
                weight_kg=dose.weight_kg,
                infusion_min=plan.template.infusion_min,
                model_key=options.get("model") or "domino",
            )
        elif not plan.template.is_weight_based:
            # Fixed esketamine dosing: the first dose of the schedule (label day 1: 56 mg); the
            # label-derived model has no weight covariate, so the weight is nominal.
            chart = build_pk_chart(
                route=plan.template.route, dose_mg=_first_fixed_dose_mg(plan.template), weight_kg=70, infusion_min=None
            )
    except PharmacokineticsError:
        chart = None  # an unusable template value: the page still shows the plan
    may_manage = user_may(user, Permission.PLANS_MANAGE)
    return render(
        request,
        "protocols/plan_detail.html",
        {
            "detail": detail,
            "plan": plan,
            "patient": plan.patient,
            "template": plan.template,
            "dose": dose,
            "dose_error": dose_error,
            "chart": chart,
            "chart_form": chart_form,
            "may_manage": may_manage,
            "status_form": bound_forms.get("status_form") or StatusForm(),
            "may_override_prerequisites": may_override_plan_prerequisites(user),
            "dose_change_form": bound_forms.get("dose_change_form") or DoseChangeForm(),
            "next_step": _next_step(plan),
            "next_statuses": next_plan_statuses(plan.status),
            "adjunct_form": bound_forms.get("adjunct_form") or AdjunctForm(),
            "override_form": bound_forms.get("override_form") or OverrideForm(),
        },
    )


@permission_required(Permission.PLANS_VIEW)
@require_GET
def plan_detail(request, pk: int):
    return _render_plan(request, pk)


def _plan_post(request, pk: int, form, form_name: str, action, done: str, section: str):
    return run_form_action(
        request,
        form,
        lambda: action(request.user, pk, **form.cleaned_data),
        success=done,
        redirect_to=f"{reverse('protocols:plan_detail', args=[pk])}#{section}",
    ) or _render_plan(request, pk, **{form_name: form})


@permission_required(Permission.PLANS_MANAGE)
@require_POST
def plan_status(request, pk: int):
    return _plan_post(
        request, pk, StatusForm(request.POST), "status_form", actions.do_change_plan_status, "Status changed.", "status"
    )


@permission_required(Permission.PLANS_MANAGE)
@require_POST
def adjunct_add(request, pk: int):
    return _plan_post(
        request,
        pk,
        AdjunctForm(request.POST),
        "adjunct_form",
        actions.do_add_adjunct_item,
        "Adjunct care added.",
        "adjuncts",
    )


@permission_required(Permission.PLANS_MANAGE)
@require_POST
def dose_override(request, pk: int):
    return _plan_post(
        request,
        pk,
        OverrideForm(request.POST),
        "override_form",
        actions.do_override_dose,
        "Dose override recorded.",
        "dose",
    )


@permission_required(Permission.PLANS_MANAGE)
@require_POST
def dose_change(request, pk: int):
    return _plan_post(
        request,
        pk,
        DoseChangeForm(request.POST),
        "dose_change_form",
        actions.do_change_plan_dose,
        "Dose changed.",
        "dose",
    )


def _render_maintenance(request, pk: int, instrument: str, form=None):
    user = request.user
    if instrument not in MAINTENANCE_INSTRUMENTS:
        instrument = DEFAULT_MAINTENANCE_INSTRUMENT  # an unknown choice in the address falls back to PHQ-9
    review = access_maintenance_review_by_plan_id(user, pk, instrument)
    proposal = review.proposal
    if form is None:
        form = MaintenanceDecisionForm(
            initial={
                "instrument": instrument,
                "decision": proposal.decision.value if proposal.decision else None,
                "interval_weeks": proposal.interval_weeks_min,
            }
        )
    return render(
        request,
        "protocols/maintenance.html",
        {
            "review": review,
            "plan": review.plan,
            "patient": review.plan.patient,
            "proposal": proposal,
            "instrument": instrument,
            "instruments": MAINTENANCE_INSTRUMENTS.items(),
            "may_manage": user_may(user, Permission.PLANS_MANAGE),
            "form": form,
        },
    )


@permission_required(Permission.PLANS_VIEW)
@require_GET
def maintenance(request, pk: int):
    """The end-of-induction proposal with its reasons; prescribers record the decision here."""
    return _render_maintenance(request, pk, request.GET.get("instrument", DEFAULT_MAINTENANCE_INSTRUMENT))


@permission_required(Permission.PLANS_MANAGE)
@require_POST
def maintenance_decide(request, pk: int):
    form = MaintenanceDecisionForm(request.POST)
    instrument = request.POST.get("instrument", DEFAULT_MAINTENANCE_INSTRUMENT)
    return run_form_action(
        request,
        form,
        lambda: actions.do_record_maintenance_decision(request.user, pk, **form.cleaned_data),
        success="Maintenance decision recorded.",
        redirect_to=lambda _: (
            reverse("protocols:maintenance", args=[pk]) + f"?instrument={form.cleaned_data['instrument']}"
        ),
    ) or _render_maintenance(request, pk, instrument, form)
