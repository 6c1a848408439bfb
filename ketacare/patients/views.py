"""Registry pages: search, register, chart, edit, and the chart's add/status forms; a patient's
access history from the audit trail (clinic admins; read-only).

Thin: each view parses a form, calls one action or selector and renders or
redirects. Errors an action raises are shown on the form, naming the field.
"""

import csv
import re
from collections.abc import Callable
from functools import partial

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST, require_safe

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.views import run_action, run_form_action
from ketacare.patients import actions
from ketacare.patients.forms import (
    AllergyForm,
    DiagnosisForm,
    MedicationForm,
    MedicationStatusForm,
    PatientEditForm,
    PatientForm,
    StatusForm,
    WeightForm,
)
from ketacare.patients.schemas import record_out
from ketacare.patients.selectors import (
    AUDIT_PAGE_SIZE,
    SEARCH_LIMIT,
    access_chart_by_patient_id,
    access_export_by_patient_id,
    access_patient_audit_entries,
    access_patient_by_id,
    export_patient_disclosures,
    search_patients,
)


@permission_required(Permission.PATIENT_LIST)
@require_GET
def patient_list(request):
    query = request.GET.get("q", "")
    return render(
        request,
        "patients/list.html",
        {
            "query": query,
            "patients": search_patients(request.user, query),
            "limit": SEARCH_LIMIT,
            "may_register": user_may(request.user, Permission.PATIENT_REGISTER),
        },
    )


@permission_required(Permission.PATIENT_REGISTER)
def patient_create(request):
    user = request.user
    form = PatientForm(request.POST if request.method == "POST" else None, organisation_id=user.organisation_id)
    return run_form_action(
        request,
        form,
        lambda: actions.do_register_patient(user, organisation=user.organisation, **form.cleaned_data),
        success=lambda patient: f"Registered {patient.full_name} as {patient.record_number}.",
        redirect_to=lambda patient: reverse("patients:detail", args=[patient.pk]),
    ) or render(request, "patients/form.html", {"form": form, "patient": None})


@permission_required(Permission.PATIENT_EDIT_DEMOGRAPHICS)
def patient_edit(request, pk: int):
    user = request.user
    if request.method == "POST":
        form = PatientEditForm(request.POST, organisation_id=user.organisation_id)
        done = run_form_action(
            request,
            form,
            lambda: actions.do_update_patient(user, pk, **form.cleaned_data),
            success="Changes saved.",
            redirect_to=reverse("patients:detail", args=[pk]),
        )
        if done:
            return done
        patient = access_patient_by_id(user, pk)
    else:
        patient = access_patient_by_id(user, pk)
        form = PatientEditForm(instance=patient, organisation_id=user.organisation_id)
    return render(request, "patients/form.html", {"form": form, "patient": patient})


def _render_chart(request, pk: int, **bound_forms):
    user = request.user
    chart = access_chart_by_patient_id(user, pk)
    return render(
        request,
        "patients/detail.html",
        {
            "chart": chart,
            "patient": chart.patient,
            "may_edit": user_may(user, Permission.PATIENT_EDIT_DEMOGRAPHICS),
            "may_edit_clinical": user_may(user, Permission.PATIENT_EDIT_CLINICAL),
            "may_export": user_may(user, Permission.PATIENT_EXPORT),
            "diagnosis_form": bound_forms.get("diagnosis_form") or DiagnosisForm(),
            "allergy_form": bound_forms.get("allergy_form") or AllergyForm(),
            "medication_form": bound_forms.get("medication_form") or MedicationForm(),
            "weight_form": bound_forms.get("weight_form") or WeightForm(initial={"measured_on": chart.patient.today()}),
        },
    )


@permission_required(Permission.PATIENT_VIEW)
@require_GET
def patient_detail(request, pk: int):
    return _render_chart(request, pk)


def _chart_url(pk: int, section: str) -> str:
    return f"{reverse('patients:detail', args=[pk])}#{section}"


def _add_to_chart(request, pk: int, form, form_name: str, action: Callable, done: str, section: str):
    return run_form_action(
        request,
        form,
        lambda: action(request.user, pk, **form.cleaned_data),
        success=done,
        redirect_to=_chart_url(pk, section),
    ) or _render_chart(request, pk, **{form_name: form})


def _change_on_chart(request, pk: int, form, change: Callable, section: str):
    """Status changes are one button per row: errors come back as a message above the chart."""

    def change_if_valid():
        if not form.is_valid():
            # The action, which answers 404 for a record the user cannot see, is not reached.
            access_patient_by_id(request.user, pk, audit=False)
            raise ValidationError(form.errors.as_data())
        return change(**form.cleaned_data)

    return run_action(request, change_if_valid, success="Status changed.", redirect_to=_chart_url(pk, section))


@permission_required(Permission.PATIENT_EDIT_CLINICAL)
@require_POST
def diagnosis_add(request, pk: int):
    return _add_to_chart(
        request,
        pk,
        DiagnosisForm(request.POST),
        "diagnosis_form",
        actions.do_add_diagnosis,
        "Diagnosis added.",
        "diagnoses",
    )


@permission_required(Permission.PATIENT_EDIT_CLINICAL)
@require_POST
def diagnosis_status(request, pk: int, entry_id: int):
    change = partial(actions.do_change_diagnosis_status, request.user, pk, entry_id)
    return _change_on_chart(request, pk, StatusForm(request.POST), change, "diagnoses")


@permission_required(Permission.PATIENT_EDIT_CLINICAL)
@require_POST
def allergy_add(request, pk: int):
    return _add_to_chart(
        request, pk, AllergyForm(request.POST), "allergy_form", actions.do_add_allergy, "Allergy added.", "allergies"
    )


@permission_required(Permission.PATIENT_EDIT_CLINICAL)
@require_POST
def allergy_status(request, pk: int, entry_id: int):
    change = partial(actions.do_change_allergy_status, request.user, pk, entry_id)
    return _change_on_chart(request, pk, StatusForm(request.POST), change, "allergies")


@permission_required(Permission.PATIENT_EDIT_CLINICAL)
@require_POST
def medication_add(request, pk: int):
    return _add_to_chart(
        request,
        pk,
        MedicationForm(request.POST),
        "medication_form",
        actions.do_add_medication,
        "Medication added.",
        "medications",
    )


@permission_required(Permission.PATIENT_EDIT_CLINICAL)
@require_POST
def medication_status(request, pk: int, entry_id: int):
    change = partial(actions.do_change_medication_status, request.user, pk, entry_id)
    return _change_on_chart(request, pk, MedicationStatusForm(request.POST), change, "medications")


@permission_required(Permission.PATIENT_EDIT_CLINICAL)
@require_POST
def weight_add(request, pk: int):
    return _add_to_chart(
        request, pk, WeightForm(request.POST), "weight_form", actions.do_record_weight, "Weight recorded.", "weights"
    )


@permission_required(Permission.PATIENT_EXPORT)
@require_GET
def patient_export(request, pk: int) -> HttpResponse:
    """The record as a JSON download (the API's record shape); audited as an export."""
    chart = access_export_by_patient_id(request.user, pk)
    response = JsonResponse(record_out(chart).model_dump(mode="json"), json_dumps_params={"indent": 2})
    filename = re.sub(r"[^A-Za-z0-9-]", "", chart.patient.record_number) or "patient"
    response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
    response["Cache-Control"] = "no-store"
    return response


# ---------------------------------------------------------------- access history (from the audit trail)


@require_safe
@permission_required(Permission.AUDIT_VIEW)
def access_history(request, patient_id: int):
    listing = access_patient_audit_entries(request.user, patient_id)
    page = Paginator(listing.entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "patients/access_history.html",
        {
            "patient": listing.patient,
            "display": listing.display,
            "page": page,
            "may_export": user_may(request.user, Permission.AUDIT_EXPORT),
        },
    )


@require_safe
@permission_required(Permission.AUDIT_EXPORT)
def disclosures_csv(request, patient_id: int):
    report = export_patient_disclosures(request.user, patient_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="access-report-{report.patient.pk}.csv"'
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(report.header)
    writer.writerows(report.rows)
    return response
