"""The template and plan pages: access, forms naming their errors, the dose and the PK chart."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditAction
from ketacare.patients.models import WeightMeasurement
from ketacare.protocols import actions
from ketacare.protocols.models import ProtocolSettings, ProtocolTemplate, TreatmentPlan
from ketacare.protocols.pk_chart import build_pk_chart

START = "2026-12-01"


@pytest.fixture
def plan(staff, iv_candidate, iv_template):
    return actions.do_create_plan_from_template(
        staff["prescriber"], iv_candidate.pk, template_id=iv_template.pk, start_date=iv_candidate.today()
    )


def test_templates_page_lists_built_ins_and_admins_edit_into_a_new_version(signed_in, staff, iv_template):
    assert "IV racemic ketamine" in signed_in(staff["nurse"]).get(reverse("protocols:template_list")).content.decode()
    url = reverse("protocols:template_detail", args=[iv_template.pk])
    assert signed_in(staff["prescriber"]).post(url, {"name": "x"}).status_code == 403

    client = signed_in(staff["clinic_admin"])
    page = client.get(url).content.decode()
    assert "Save as a new version" in page and "Andrade" in page
    form = {
        name: ("" if value is None else value)
        for name, value in {field: getattr(iv_template, field) for field in actions.TEMPLATE_FIELDS}.items()
        if not isinstance(value, list)
    }
    response = client.post(url, {**form, "infusion_min": 60})
    new = ProtocolTemplate.objects.get(code="iv-racemic-ketamine", version=2)
    assert response.status_code == 302 and response.url == reverse("protocols:template_detail", args=[new.pk])
    assert (new.infusion_min, new.dose_mg_per_kg) == (60, Decimal("0.5"))


def test_a_bad_template_edit_names_the_field_and_saves_nothing(signed_in, staff, iv_template):
    client = signed_in(staff["clinic_admin"])
    form = {
        field: getattr(iv_template, field)
        for field in actions.TEMPLATE_FIELDS
        if not isinstance(getattr(iv_template, field), list)
    }
    form = {k: ("" if v is None else v) for k, v in form.items()}
    response = client.post(
        reverse("protocols:template_detail", args=[iv_template.pk]), {**form, "max_dose_mg_per_kg": "2"}
    )
    assert response.status_code == 200
    assert "must be at least the maximum" in response.content.decode()
    assert ProtocolTemplate.objects.filter(code="iv-racemic-ketamine").count() == 1


def test_a_prescriber_creates_a_plan_on_the_page(signed_in, staff, iv_candidate, iv_template, audit_entries):
    client = signed_in(staff["prescriber"])
    url = reverse("protocols:plan_list", args=[iv_candidate.pk])
    assert "Create plan" in client.get(url).content.decode()
    assert audit_entries(patient=iv_candidate, action=AuditAction.LIST)
    response = client.post(url, {"template_id": iv_template.pk, "start_date": START, "dose_mg_per_kg": ""})
    plan = TreatmentPlan.objects.get()
    assert response.status_code == 302 and response.url == reverse("protocols:plan_detail", args=[plan.pk])


def test_bad_plan_input_on_the_page_names_the_field(signed_in, staff, patient, iv_template):
    response = signed_in(staff["prescriber"]).post(
        reverse("protocols:plan_list", args=[patient.pk]),
        {"template_id": iv_template.pk, "start_date": START, "dose_mg_per_kg": "1.2"},
    )
    assert response.status_code == 200 and "hard cap" in response.content.decode()
    assert not TreatmentPlan.objects.exists()


def test_a_therapist_sees_plans_but_cannot_create_them(signed_in, staff, patient, iv_template):
    client = signed_in(staff["therapist"])
    url = reverse("protocols:plan_list", args=[patient.pk])
    page = client.get(url)
    assert page.status_code == 200 and "Create plan" not in page.content.decode()
    assert client.post(url, {"template_id": iv_template.pk, "start_date": START}).status_code == 403
    assert not TreatmentPlan.objects.exists()


def test_other_organisations_pages_are_404(signed_in, other_staff, plan):
    client = signed_in(other_staff["prescriber"])
    assert client.get(reverse("protocols:plan_detail", args=[plan.pk])).status_code == 404
    assert client.get(reverse("protocols:plan_list", args=[plan.patient_id])).status_code == 404
    response = client.post(reverse("protocols:dose_override", args=[plan.pk]), {"reason": "x", "dose_mg_per_kg": "0.9"})
    assert response.status_code == 404
    plan.refresh_from_db()
    assert plan.dose_mg_per_kg == Decimal("0.5")


def test_plan_page_shows_the_dose_sessions_and_a_pk_chart(signed_in, staff, plan, audit_entries):
    client = signed_in(staff["nurse"])
    page = client.get(reverse("protocols:plan_detail", args=[plan.pk]), {"concentration_mg_per_ml": "10"})
    html = page.content.decode()
    assert "<strong>35 mg</strong>" in html and "<strong>3.50 mL</strong>" in html
    assert "<svg" in html and "<polyline" in html and "Dissociation: 100–250 ng/mL" in html
    assert "Domino 1984" in html and "Override the dose" not in html
    assert audit_entries(patient=plan.patient, action=AuditAction.VIEW)
    clements = client.get(reverse("protocols:plan_detail", args=[plan.pk]), {"model": "clements"}).content.decode()
    assert "Clements &amp; Nimmo 1981" in clements


def test_override_on_the_page_needs_a_reason_and_a_prescriber(signed_in, staff, plan):
    url = reverse("protocols:dose_override", args=[plan.pk])
    assert signed_in(staff["nurse"]).post(url, {"reason": "x", "dose_mg_per_kg": "0.9"}).status_code == 403
    client = signed_in(staff["prescriber"])
    response = client.post(url, {"reason": "", "dose_mg_per_kg": "0.9"})
    assert response.status_code == 200 and "This field is required" in response.content.decode()
    plan.refresh_from_db()
    assert plan.dose_mg_per_kg == Decimal("0.5")
    response = client.post(url, {"reason": "Non-response at 0.75", "dose_mg_per_kg": "0.9"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert (plan.dose_mg_per_kg, plan.dose_override_reason) == (Decimal("0.9"), "Non-response at 0.75")
    assert "Overridden by" in client.get(reverse("protocols:plan_detail", args=[plan.pk])).content.decode()


def test_status_and_adjuncts_on_the_page(signed_in, staff, plan):
    client = signed_in(staff["prescriber"])
    response = client.post(reverse("protocols:plan_status", args=[plan.pk]), {"status": "active", "reason": ""})
    assert response.status_code == 200
    plan.refresh_from_db()
    assert plan.status == "proposed"
    client.post(reverse("protocols:plan_status", args=[plan.pk]), {"status": "active", "reason": "Consent signed"})
    client.post(reverse("protocols:adjunct_add", args=[plan.pk]), {"kind": "referral", "description": "To GP"})
    html = client.get(reverse("protocols:plan_detail", args=[plan.pk])).content.decode()
    assert "Consent signed" in html and "To GP" in html
    plan.refresh_from_db()
    assert plan.status == "active"


def test_a_plan_without_a_recent_weight_asks_for_one(signed_in, staff, patient, iv_template, make_plan_ready):
    WeightMeasurement.objects.create(
        patient=patient, weight_kg=70, measured_on=patient.today() - dt.timedelta(days=40), recorded_by=staff["nurse"]
    )
    make_plan_ready(patient, "iv", staff["prescriber"], weight_kg=None)  # IV approved, not weighed today
    ProtocolSettings.objects.create(organisation=patient.organisation, prescriber_may_override_plan_prerequisites=True)
    plan = actions.do_create_plan_from_template(
        staff["prescriber"],
        patient.pk,
        template_id=iv_template.pk,
        start_date=patient.today(),
        override_reason="Scale broken; weighed at the first session",
    )
    html = signed_in(staff["nurse"]).get(reverse("protocols:plan_detail", args=[plan.pk])).content.decode()
    assert "Today&#x27;s weight is needed" in html and "<svg" not in html


def test_esketamine_plans_show_the_fixed_schedule_and_a_label_model_curve(signed_in, staff, patient, make_plan_ready):
    make_plan_ready(patient, "intranasal_esketamine", staff["prescriber"])
    template = ProtocolTemplate.objects.get(code="esketamine-nasal")
    plan = actions.do_create_plan_from_template(
        staff["prescriber"], patient.pk, template_id=template.pk, start_date=patient.today()
    )
    assert plan.sessions.count() == 8
    html = signed_in(staff["nurse"]).get(reverse("protocols:plan_detail", args=[plan.pk])).content.decode()
    assert "day 1 56 mg" in html and "Esketamine, one-compartment" in html


def test_the_chart_matches_the_pharmacokinetics_module():
    chart = build_pk_chart(route="iv", dose_mg=Decimal("35"), weight_kg=Decimal("70"), infusion_min=40)
    assert (chart.peak_ng_per_ml, chart.time_of_peak_min) == (240.3, 40.0)  # docs/pharmacokinetics.md
    assert [band.label.split(":")[0] for band in chart.bands] == ["Dissociation", "Antidepressant (reported level)"]
    high = build_pk_chart(route="iv", dose_mg=Decimal("140"), weight_kg=Decimal("70"), infusion_min=5)
    assert "Anaesthesia" in [band.label.split(":")[0] for band in high.bands]
