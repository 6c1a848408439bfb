"""Where apps on higher floors add sections to a patient's chart (/patients/<id>/), so patients never
imports them: consents adds the patient's consents (issue 16), the portal the portal-account panel
(issue 15).

A section is called only after the chart's view has checked access and recorded the read; it decides
itself what the reader's role may see ("" for nothing) and does its own small reads (no query per row).
"""

from collections.abc import Callable

from django.http import HttpRequest
from django.utils import timezone

from ketacare.patients.models import Patient

ChartSection = Callable[[HttpRequest, Patient], str]
_chart_sections: list[ChartSection] = []


def register_chart_section(section: ChartSection) -> None:
    if section not in _chart_sections:
        _chart_sections.append(section)


def chart_sections(request: HttpRequest, patient: Patient) -> list[str]:
    """The registered sections' HTML, in the order they were registered; empty ones left out. Rendered in
    the patient's zone, like the rest of the chart (the chart's own {% timezone %} does not reach them)."""
    with timezone.override(patient.zone_name):
        return [html for html in (section(request, patient) for section in _chart_sections) if html]
