"""Audit trail pages for clinic admins. Read-only: nothing here changes an entry."""

import csv

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.audit.forms import AuditFilterForm
from ketacare.audit.selectors import (
    access_audit_entries,
    access_patient_audit_entries,
    display_zone,
    export_patient_disclosures,
    verify_audit_chain,
)

PAGE_SIZE = 50


@require_safe
@permission_required(Permission.AUDIT_VIEW)
def entry_list(request):
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        # Bad filters: say which field, list nothing rather than everything.
        return render(request, "audit/list.html", {"form": form, "display": display_zone(request.user)})
    listing = access_audit_entries(request.user, form.filters())
    page = Paginator(listing.entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "audit/list.html", {"form": form, "display": listing.display, "page": page})


@require_safe
@permission_required(Permission.AUDIT_VIEW)
def patient_history(request, patient_id: int):
    listing = access_patient_audit_entries(request.user, patient_id)
    page = Paginator(listing.entries, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "audit/patient_history.html",
        {
            "patient": listing.patient, "display": listing.display, "page": page,
            "may_export": user_may(request.user, Permission.AUDIT_EXPORT),
        },
    )


@require_safe
@permission_required(Permission.AUDIT_EXPORT)
def patient_disclosures_csv(request, patient_id: int):
    report = export_patient_disclosures(request.user, patient_id)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="access-report-{report.patient.pk}.csv"'
    )
    response["Cache-Control"] = "no-store"
    writer = csv.writer(response)
    writer.writerow(report.header)
    writer.writerows(report.rows)
    return response


@require_safe
@permission_required(Permission.AUDIT_VIEW)
def verify(request):
    return render(request, "audit/verify.html", {"report": verify_audit_chain(request.user)})
