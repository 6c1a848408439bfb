"""The DEA reports of a location (dispensing log, initial or biennial inventory) as CSV or PDF."""

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import render

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.ledger import forms
from ketacare.ledger.selectors.reports import build_report
from ketacare.ledger.selectors.stock import access_location
from ketacare.lib.forms import show_errors


@permission_required(Permission.LEDGER_REPORT)
def export(request, pk: int):
    user = request.user
    location = access_location(user, pk)
    form = forms.ExportForm(request.GET if "kind" in request.GET else None)
    if form.is_bound and form.is_valid():
        d = form.cleaned_data
        try:
            built = build_report(
                user,
                location_id=location.pk,
                kind=d["kind"],
                date_from=d["date_from"],
                date_to=d["date_to"],
                inventory_type=d["inventory_type"],
                business_time=d["business_time"],
                audit_format=d["format"],
            )
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            # reportlab loads with the first PDF, not in every worker.
            from ketacare.ledger.report_files import report_csv, report_pdf

            if form.cleaned_data["format"] == "csv":
                response = HttpResponse(report_csv(built), content_type="text/csv; charset=utf-8")
            else:
                response = HttpResponse(report_pdf(built), content_type="application/pdf")
            response["Content-Disposition"] = (
                f'attachment; filename="{built.filename_stem}.{form.cleaned_data["format"]}"'
            )
            return response
    return render(
        request,
        "ledger/form.html",
        {
            "form": form or forms.ExportForm(),
            "title": f"Reports for {location.name}",
            "method": "get",
            "back": ("ledger:location", location.pk),
        },
    )
