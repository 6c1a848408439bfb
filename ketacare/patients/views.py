"""Registry pages: search, register, chart, edit, and the chart's add/status forms; a patient's
access history from the audit trail (clinic admins; read-only).

Thin: each view parses a form, calls one action or selector and renders or
redirects. Errors an action raises are shown on the form, naming the field.
"""

import csv
import re
import zoneinfo
from collections.abc import Callable
from functools import lru_cache, partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_GET, require_POST, require_safe

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.lib.urls import urls_for_id, urls_with_id, urls_with_last_id
from ketacare.lib.views import run_action, run_form_action
from ketacare.patients import actions
from ketacare.patients.forms import (
    AllergyForm,
    DiagnosisForm,
    MedicationForm,
    MedicationStatusForm,
    MergeForm,
    PatientEditForm,
    PatientForm,
    StatusForm,
    UnmergeForm,
    WeightForm,
)
from ketacare.patients.hooks import chart_sections
from ketacare.patients.models import CareStage, MedicationStatus
from ketacare.patients.picker import PICKER_LIMIT
from ketacare.patients.schemas import record_out
from ketacare.patients.selectors import (
    AUDIT_PAGE_SIZE,
    SEARCH_LIMIT,
    PatientMerged,
    PatientSummary,
    access_chart_by_patient_id,
    access_export_by_patient_id,
    access_merge_preview,
    access_patient_audit_entries,
    access_patient_by_id,
    access_possible_duplicates,
    access_unmerge_preview,
    export_patient_disclosures,
    merged_duplicates_of,
    picker_results,
    search_patient_summaries,
)

# A stage's label by its value, for the list's rows (get_stage_display builds this mapping at every call).
_STAGE_LABELS = dict(CareStage.choices)


def _list_row(patient: PatientSummary, chart_url: Callable[[int], str]) -> dict:
    """What the patient list shows of one match, as plain values: a list's template resolves each {{ }} of
    each row, which on a model (its display methods, the date filter) was most of the page's time (issue 19)."""
    return {
        "url": chart_url(patient["id"]),
        "name": f"{patient['last_name']}, {patient['first_name']}",
        "preferred_name": patient["preferred_name"],
        "date_of_birth": patient["date_of_birth"].isoformat(),
        "record_number": patient["record_number"],
        "stage": _STAGE_LABELS.get(patient["stage"], patient["stage"]),
        "home_location": patient["home_location"]["name"] if patient["home_location"] else "",
    }


@permission_required(Permission.PATIENT_LIST)
@require_GET
def patient_list(request):
    query = request.GET.get("q", "")
    chart_url = urls_with_id("patients:detail")
    return render(
        request,
        "patients/list.html",
        {
            "query": query,
            "patients": [_list_row(patient, chart_url) for patient in search_patient_summaries(request.user, query)],
            "limit": SEARCH_LIMIT,
            "may_register": user_may(request.user, Permission.PATIENT_REGISTER),
        },
    )


# The picker's field name comes back in its search requests and is written into the radio buttons.
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@permission_required(Permission.PATIENT_LIST)
@require_GET
def patient_picker(request):
    """A patient picker's matches (htmx; patients/picker.py): radio buttons named like its field."""
    field = request.GET.get("field", "")
    field = field if _FIELD_NAME.match(field) else "patient"
    selected = request.GET.get(field, "")
    results = picker_results(
        request.user,
        request.GET.get(f"{field}_search", ""),
        int(selected) if selected.isdigit() and len(selected) < 20 else 0,
        limit=PICKER_LIMIT,
    )
    return render(
        request,
        "patients/_patient_picker_results.html",
        {
            "name": field,
            "query": results.query,
            "selected": results.selected,
            "patients": results.patients,
            "more": results.more,
            "limit": PICKER_LIMIT,
        },
    )


@permission_required(Permission.PATIENT_REGISTER)
def patient_create(request):
    """Registration; possible duplicates are listed (with links) until the user confirms it is someone else."""
    user = request.user
    form = PatientForm(request.POST if request.method == "POST" else None, organisation_id=user.organisation_id)
    warned_ids: list[int] = []

    def register():
        try:
            return actions.do_register_patient(user, organisation=user.organisation, **form.cleaned_data)
        except actions.PossibleDuplicatePatients as warning:
            warned_ids.extend(warning.candidate_ids)
            raise

    done = run_form_action(
        request,
        form,
        register,
        success=lambda patient: f"Registered {patient.full_name} as {patient.record_number}.",
        redirect_to=lambda patient: reverse("patients:detail", args=[patient.pk]),
    )
    if done:
        return done
    duplicates = access_possible_duplicates(user, warned_ids) if warned_ids else []
    return render(request, "patients/form.html", {"form": form, "patient": None, "duplicates": duplicates})


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


# The chart's add forms by name (the template's "<name>_form" and add_form_fields.<name>).
_CHART_ADD_FORMS = {
    "diagnosis": DiagnosisForm,
    "allergy": AllergyForm,
    "medication": MedicationForm,
    "weight": WeightForm,
}


@lru_cache(maxsize=64)
def _unbound_fields_html(form_class: type, initial: tuple, language: str) -> str:
    """An empty add-form's fields as HTML. It is the same for every patient and reader (fixed choices; its
    initial values, the weight's date, are in the key), so it is rendered once per process and the chart builds
    no empty form: their widgets' templates were a sixth of a chart's time (issue 19)."""
    return render_to_string("patients/_form_fields.html", {"form": form_class(initial=dict(initial))})


def _add_form_fields(patient, bound_forms: dict) -> dict[str, str]:
    """Each add-form's fields as HTML, "" for a bound form: the template renders that one itself (it shows
    what was typed, and its errors)."""
    initial = {"weight": {"measured_on": patient.today()}}
    return {
        name: ""
        if f"{name}_form" in bound_forms
        else _unbound_fields_html(form_class, tuple(sorted(initial.get(name, {}).items())), get_language())
        for name, form_class in _CHART_ADD_FORMS.items()
    }


# The chart's links to the patient's pages, as the template's links.<app>_<name> ("patients:edit" is
# links.patients_edit): built here at a few µs each rather than by a filter per link in the template.
_CHART_LINKS = (
    "patients:edit",
    "patients:export",
    "patients:merge",
    "patients:diagnosis_add",
    "patients:allergy_add",
    "patients:medication_add",
    "patients:weight_add",
    "measures:patient",
    "candidacy:detail",
    "protocols:plan_list",
    "scheduling:patient_courses",
    "scheduling:patient_attendance",
    "documents:patient",
    "treatments:patient_vitals",
    "reports:progress_summary",
    "reports:letter_list",
    "therapy:patient_notes",
    "consultations:patient_notes",
    "rems:patient",
)


def _chart_links(pk: int) -> dict[str, str]:
    url = urls_for_id(pk)
    return {name.replace(":", "_"): url(name) for name in _CHART_LINKS}


def _chart_facts(patient) -> dict[str, str]:
    """The demographics the chart shows twice or through display methods, worked out once."""
    return {
        "born": f"{patient.date_of_birth.isoformat()} (age {patient.age_years})",
        "stage": patient.get_stage_display(),
        "sex_at_birth": patient.get_sex_at_birth_display(),
    }


def _recorded(entry, zone: zoneinfo.ZoneInfo, time_format: str) -> str:
    """When and by whom a chart entry was recorded, in the patient's zone: "2026-12-07 · Morgan Hayes"."""
    return f"{timezone.localtime(entry.recorded_at, zone).strftime(time_format)} · {entry.recorded_by.display_name}"


def _iso_or_blank(day) -> str:
    return day.isoformat() if day else ""


def _status_change(
    entry, prefix: str, status_url: Callable[[int], str] | None, *, asks_stopped_on: bool = False
) -> dict | None:
    """The row's status form (None when the reader may not change it, or no status follows this one)."""
    choices = entry.next_statuses() if status_url else []
    if not choices:
        return None
    return {
        "url": status_url(entry.pk),
        "choices": choices,
        "field_id": f"{prefix}-status-{entry.pk}",
        "stopped_on_id": f"{prefix}-stopped-{entry.pk}" if asks_stopped_on else "",
    }


def _chart_rows(chart, may_edit_clinical: bool) -> dict[str, list[dict]]:
    """What the chart shows of its clinical lists, as plain values: resolving a model's display methods, the
    date filter and a {% url %} and {% include %} per row was most of the template's time (issue 19)."""
    patient = chart.patient
    zone = zoneinfo.ZoneInfo(patient.zone_name)

    def status_urls(name: str) -> Callable[[int], str] | None:
        return urls_with_last_id(name, patient.pk) if may_edit_clinical else None

    diagnosis_status_url = status_urls("patients:diagnosis_status")
    allergy_status_url = status_urls("patients:allergy_status")
    medication_status_url = status_urls("patients:medication_status")
    return {
        "diagnoses": [
            {
                "icd10_code": diagnosis.icd10_code,
                "description": diagnosis.description,
                "onset_date": _iso_or_blank(diagnosis.onset_date),
                "status": diagnosis.get_status_display(),
                "recorded": _recorded(diagnosis, zone, "%Y-%m-%d"),
                "status_change": _status_change(diagnosis, "diagnosis", diagnosis_status_url),
            }
            for diagnosis in chart.diagnoses
        ],
        "allergies": [
            {
                "substance": allergy.substance,
                "reaction": allergy.reaction,
                "severity": allergy.get_severity_display(),
                "status": allergy.get_status_display(),
                "recorded": _recorded(allergy, zone, "%Y-%m-%d"),
                "status_change": _status_change(allergy, "allergy", allergy_status_url),
            }
            for allergy in chart.allergies
        ],
        "medications": [
            {
                "name": medication.name,
                "dose": medication.dose,
                "frequency": medication.frequency,
                "started_on": _iso_or_blank(medication.started_on),
                "stopped_on": _iso_or_blank(medication.stopped_on),
                "status": medication.get_status_display(),
                # Stopping a medication asks for the date it was stopped.
                "status_change": _status_change(
                    medication,
                    "medication",
                    medication_status_url,
                    asks_stopped_on=medication.status == MedicationStatus.ACTIVE,
                ),
            }
            for medication in chart.medications
        ],
        "weights": [
            {
                "measured_on": weight.measured_on.isoformat(),
                "weight_kg": f"{weight.weight_kg:f}",
                "recorded": _recorded(weight, zone, "%Y-%m-%d %H:%M"),
            }
            for weight in chart.weights
        ],
    }


def _render_chart(request, pk: int, **bound_forms):
    user = request.user
    try:
        chart = access_chart_by_patient_id(user, pk)
    except PatientMerged as merged:
        messages.info(request, "That record was merged into this one.")
        return redirect("patients:detail", merged.survivor_id)
    may_edit_clinical = user_may(user, Permission.PATIENT_EDIT_CLINICAL)
    return render(
        request,
        "patients/detail.html",
        {
            "chart": chart,
            **_chart_rows(chart, may_edit_clinical),
            "links": _chart_links(chart.patient.pk),
            "facts": _chart_facts(chart.patient),
            "patient": chart.patient,
            "may_edit": user_may(user, Permission.PATIENT_EDIT_DEMOGRAPHICS),
            "may_edit_clinical": may_edit_clinical,
            "may_export": user_may(user, Permission.PATIENT_EXPORT),
            "may_merge": user_may(user, Permission.PATIENT_MERGE),
            "merged_duplicates": merged_duplicates_of(user, chart.patient),
            "sections": chart_sections(request, chart.patient),
            **bound_forms,
            "add_form_fields": _add_form_fields(chart.patient, bound_forms) if may_edit_clinical else {},
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


# ---------------------------------------------------------------- merging duplicate records (clinic admins)


@permission_required(Permission.PATIENT_MERGE)
def patient_merge(request, pk: int):
    """Merge this record into another: what moves, suggested records, a patient picker and a reason."""
    user = request.user
    form = MergeForm(request.POST if request.method == "POST" else None, organisation_id=user.organisation_id)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_merge_patients(
            user, survivor_id=form.cleaned_data["survivor_id"].pk, duplicate_id=pk, reason=form.cleaned_data["reason"]
        ),
        success=lambda survivor: f"Merged into {survivor.full_name} ({survivor.record_number}).",
        redirect_to=lambda survivor: reverse("patients:detail", args=[survivor.pk]),
    )
    if done:
        return done
    return render(request, "patients/merge.html", {"form": form, "preview": access_merge_preview(user, pk)})


@permission_required(Permission.PATIENT_MERGE)
def patient_unmerge(request, pk: int):
    """Undo a merge: the rows it moved go back to this record, which is live again."""
    user = request.user
    form = UnmergeForm(request.POST if request.method == "POST" else None)
    done = run_form_action(
        request,
        form,
        lambda: actions.do_unmerge_patients(user, duplicate_id=pk, reason=form.cleaned_data["reason"]),
        success=lambda patient: f"Merge undone: {patient.full_name} ({patient.record_number}) is a record again.",
        redirect_to=lambda patient: reverse("patients:detail", args=[patient.pk]),
    )
    if done:
        return done
    return render(request, "patients/unmerge.html", {"form": form, "preview": access_unmerge_preview(user, pk)})


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
