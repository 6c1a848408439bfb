"""Sections that apps on higher floors add to the chart through patients.hooks (consents, the portal)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html

from ketacare.patients import hooks


def test_registered_sections_render_on_the_chart_in_the_patients_zone_once_each(signed_in, staff, patient, monkeypatch):
    monkeypatch.setattr(hooks, "_chart_sections", [])
    seen = []

    def zone_section(request, chart_patient):
        seen.append(chart_patient.pk)
        return format_html('<section id="zone-section">{}</section>', timezone.get_current_timezone_name())

    def nothing_for_this_reader(request, chart_patient):
        return ""

    hooks.register_chart_section(zone_section)
    hooks.register_chart_section(zone_section)  # registering twice (a reloaded app) adds it once
    hooks.register_chart_section(nothing_for_this_reader)

    page = signed_in(staff["nurse"]).get(reverse("patients:detail", args=[patient.pk])).content.decode()

    assert seen == [patient.pk]
    assert f'<section id="zone-section">{patient.zone_name}</section>' in page


def test_consents_and_portal_register_their_sections_on_the_chart():
    names = {section.__module__ + "." + section.__name__ for section in hooks._chart_sections}
    assert {"ketacare.consents.views.consents_section", "ketacare.portal.views.portal_account_section"} <= names
