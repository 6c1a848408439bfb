"""Outcome pages: a patient's trajectory on one instrument (staff and portal), the trend charts on
a patient's measures page, and the clinic outcome dashboard. Paths stay under /measures/."""

from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.measures.domain.instruments import MeasureError
from ketacare.reports.selectors.outcomes import (
    DEFAULT_DASHBOARD_INSTRUMENT,
    access_own_trend,
    access_trend_by_patient_id,
    clinic_outcomes,
    dashboard_instruments,
    trends_for_chart,
)


@permission_required(Permission.MEASURES_VIEW)
@require_GET
def trend(request, patient_id: int, instrument: str):
    return render(
        request,
        "reports/trend.html",
        {
            "trend": access_trend_by_patient_id(request.user, patient_id, instrument),
        },
    )


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def portal_trend(request, instrument: str):
    return render(
        request,
        "reports/trend.html",
        {
            "trend": access_own_trend(request.user, instrument),
            "portal": True,
        },
    )


def trends_section(request, patient) -> str:
    """The "Trends" section of a patient's measures page (registered in measures.hooks by
    ReportsConfig): one chart per instrument with scores. The measures page has checked access
    and recorded the view."""
    trends = trends_for_chart(request.user, patient)
    if not trends:
        return ""
    return render_to_string("reports/_trends_section.html", {"patient": patient, "trends": trends}, request)


@permission_required(Permission.MEASURES_DASHBOARD)
@require_GET
def dashboard(request):
    code = request.GET.get("instrument") or DEFAULT_DASHBOARD_INSTRUMENT
    error = ""
    try:
        result = clinic_outcomes(request.user, code)
    except MeasureError as exc:
        error, result = f"Instrument: {exc}", None
    return render(
        request,
        "reports/dashboard.html",
        {
            "dashboard": result,
            "error": error,
            "selected": code,
            "instruments": dashboard_instruments(),
        },
        status=400 if error else 200,
    )
