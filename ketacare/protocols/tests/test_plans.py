"""Treatment plans and templates through the actions: access, versioning, dose block and override."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditAction
from ketacare.patients.models import WeightMeasurement
from ketacare.protocols import actions
from ketacare.protocols.models import PlanRevision, ProtocolSettings, ProtocolTemplate, TreatmentPlan
from ketacare.protocols.selectors import list_current_templates

START = dt.date(2026, 12, 1)


def make_plan(staff, patient, template, **extra):
    return actions.do_create_plan_from_template(
        staff["prescriber"], patient.pk, template_id=template.pk, start_date=START, **extra
    )


def test_built_in_templates_exist_with_sources(db):
    codes = set(ProtocolTemplate.objects.filter(organisation=None).values_list("code", flat=True))
    assert codes == {"iv-racemic-ketamine", "esketamine-nasal", "im-racemic-ketamine", "sublingual-racemic-ketamine"}
    iv = ProtocolTemplate.objects.get(code="iv-racemic-ketamine")
    assert (iv.dose_mg_per_kg, iv.infusion_min, iv.induction_session_count) == (Decimal("0.5"), 40, 6)
    assert "Andrade" in iv.source and "NCT01920555" in iv.source
    assert "UNVERIFIED" in ProtocolTemplate.objects.get(code="im-racemic-ketamine").source


def test_a_prescriber_creates_a_plan_with_its_course_windows(staff, iv_candidate, iv_template, audit_entries):
    plan = make_plan(staff, iv_candidate, iv_template)
    assert (plan.status, plan.dose_mg_per_kg, plan.template_id) == ("proposed", Decimal("0.5"), iv_template.pk)
    windows = [(s.window_start - START, s.window_end - START) for s in plan.sessions.all()]
    assert [(a.days, b.days) for a, b in windows] == [(0, 0), (2, 3), (4, 7), (7, 10), (9, 14), (11, 17)]
    [revision] = plan.revisions.all()
    assert revision.revision_number == 1 and revision.changed_by == staff["prescriber"]
    [entry] = audit_entries(patient=iv_candidate, action=AuditAction.CREATE, object_type="protocols.treatmentplan")
    assert entry.detail["template_version"] == 1


@pytest.mark.parametrize("role", ["therapist", "nurse", "front_desk", "clinic_admin"])
def test_only_a_prescriber_creates_plans(staff, patient, iv_template, role):
    with pytest.raises(PermissionDenied):
        actions.do_create_plan_from_template(staff[role], patient.pk, template_id=iv_template.pk, start_date=START)
    assert not TreatmentPlan.objects.exists()


def test_another_organisations_patient_or_plan_is_not_found(
    staff, other_staff, iv_candidate, other_org_patient, iv_template
):
    with pytest.raises(Http404):
        make_plan(staff, other_org_patient, iv_template)
    plan = make_plan(staff, iv_candidate, iv_template)
    with pytest.raises(Http404):
        actions.do_change_plan_status(other_staff["prescriber"], plan.pk, status="active", reason="x")
    with pytest.raises(Http404):
        actions.do_calculate_dose(other_staff["prescriber"], plan.pk)


def test_a_dose_outside_the_protocol_range_is_refused_and_nothing_is_created(staff, patient, iv_template):
    with pytest.raises(ValidationError) as error:
        make_plan(staff, patient, iv_template, dose_mg_per_kg="1.5")
    assert "hard cap" in error.value.message_dict["dose_mg_per_kg"][0]
    assert not TreatmentPlan.objects.exists()


def test_a_template_without_a_dose_cannot_be_used(staff, patient):
    im = ProtocolTemplate.objects.get(code="im-racemic-ketamine")
    with pytest.raises(ValidationError) as error:
        make_plan(staff, patient, im)
    assert "dose_mg_per_kg" in error.value.message_dict["template_id"][0]


def test_the_dose_for_the_latest_weight(staff, iv_candidate, iv_template):
    plan = make_plan(staff, iv_candidate, iv_template)
    result = actions.do_calculate_dose(staff["nurse"], plan.pk, concentration_mg_per_ml="10")
    assert (result.dose_mg, result.volume_ml, result.blocked) == (Decimal("35"), Decimal("3.50"), False)


def test_an_old_weight_asks_for_todays(staff, patient, iv_template, make_plan_ready):
    WeightMeasurement.objects.create(
        patient=patient, weight_kg=70, measured_on=patient.today() - dt.timedelta(days=31), recorded_by=staff["nurse"]
    )
    make_plan_ready(patient, "iv", staff["prescriber"], weight_kg=None)
    ProtocolSettings.objects.create(organisation=patient.organisation, prescriber_may_override_plan_prerequisites=True)
    plan = make_plan(staff, patient, iv_template, override_reason="Weighed last month; scale broken today")
    with pytest.raises(ValidationError) as error:
        actions.do_calculate_dose(staff["prescriber"], plan.pk)
    assert "Today's weight is needed" in error.value.message_dict["weight_measured_on"][0]


def test_a_dose_above_the_maximum_is_blocked_until_a_prescriber_overrides_it(
    staff, iv_candidate, iv_template, audit_entries
):
    plan = make_plan(staff, iv_candidate, iv_template, dose_mg_per_kg="0.9")
    assert actions.do_calculate_dose(staff["prescriber"], plan.pk).blocked
    with pytest.raises(ValidationError) as error:
        actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Start")
    assert "blocked" in error.value.message_dict["status"][0]

    with pytest.raises(PermissionDenied):
        actions.do_override_dose(staff["nurse"], plan.pk, reason="Because")
    with pytest.raises(ValidationError) as error:
        actions.do_override_dose(staff["prescriber"], plan.pk, reason="  ")
    assert "reason" in error.value.message_dict
    plan.refresh_from_db()
    assert plan.dose_override_reason == ""

    result = actions.do_override_dose(staff["prescriber"], plan.pk, reason="Partial response at 0.75 mg/kg")
    assert result.overridden and not result.blocked and result.dose_mg == Decimal("63")
    [entry] = [e for e in audit_entries(patient=iv_candidate, action=AuditAction.UPDATE) if e.detail.get("override")]
    assert entry.detail["reason"] == "Partial response at 0.75 mg/kg" and entry.actor == staff["prescriber"]
    assert plan.revisions.first().reason == "Partial response at 0.75 mg/kg"
    actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Start")


def test_an_override_is_refused_when_nothing_is_blocked(staff, iv_candidate, iv_template):
    plan = make_plan(staff, iv_candidate, iv_template)
    with pytest.raises(ValidationError) as error:
        actions.do_override_dose(staff["prescriber"], plan.pk, reason="Just in case")
    assert "no override is needed" in error.value.message_dict["dose_mg_per_kg"][0]


def test_status_changes_need_a_reason_and_a_valid_transition(staff, iv_candidate, iv_template, audit_entries):
    plan = make_plan(staff, iv_candidate, iv_template)
    with pytest.raises(ValidationError) as error:
        actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="")
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.do_change_plan_status(staff["prescriber"], plan.pk, status="completed", reason="Done")
    assert "cannot become completed" in error.value.message_dict["status"][0]
    plan.refresh_from_db()
    assert plan.status == "proposed" and plan.revisions.count() == 1

    actions.do_change_plan_status(staff["prescriber"], plan.pk, status="active", reason="Consent signed")
    plan.refresh_from_db()
    assert plan.status == "active"
    assert plan.revisions.first().reason == "Consent signed" and plan.revisions.first().snapshot["status"] == "active"
    [entry] = audit_entries(
        patient=iv_candidate, action=AuditAction.STATUS_CHANGE, object_type="protocols.treatmentplan"
    )
    assert entry.detail == {"from": "proposed", "to": "active", "reason": "Consent signed"}


def test_adjunct_care_is_versioned_and_validated(staff, iv_candidate, iv_template):
    plan = make_plan(staff, iv_candidate, iv_template)
    actions.do_add_adjunct_item(staff["prescriber"], plan.pk, kind="integration_therapy", description="Weekly KAP")
    assert plan.revisions.count() == 2
    with pytest.raises(ValidationError) as error:
        actions.do_add_adjunct_item(staff["prescriber"], plan.pk, kind="astrology", description="x")
    assert "kind" in error.value.message_dict
    assert plan.adjuncts.count() == 1 and plan.revisions.count() == 2


def test_a_plan_keeps_its_template_version_after_the_template_is_edited(staff, iv_candidate, iv_template):
    plan = make_plan(staff, iv_candidate, iv_template)
    edited = actions.do_edit_template(staff["clinic_admin"], iv_template.pk, dose_mg_per_kg=Decimal("0.4"))
    assert (edited.version, edited.organisation, edited.dose_mg_per_kg) == (
        2,
        staff["clinic_admin"].organisation,
        Decimal("0.4"),
    )
    iv_template.refresh_from_db()
    assert iv_template.dose_mg_per_kg == Decimal("0.5") and iv_template.version == 1
    plan.refresh_from_db()
    assert plan.template_id == iv_template.pk
    current = {t.code: t for t in list_current_templates(staff["prescriber"])}
    assert current["iv-racemic-ketamine"].pk == edited.pk

    third = actions.do_edit_template(staff["clinic_admin"], edited.pk, infusion_min=60)
    assert third.version == 3 and third.dose_mg_per_kg == Decimal("0.4")
    edited.refresh_from_db()
    assert not edited.is_active


def test_only_clinic_admins_edit_templates_and_bad_edits_change_nothing(staff, iv_template):
    with pytest.raises(PermissionDenied):
        actions.do_edit_template(staff["prescriber"], iv_template.pk, infusion_min=60)
    with pytest.raises(ValidationError) as error:
        actions.do_edit_template(staff["clinic_admin"], iv_template.pk, max_dose_mg_per_kg=Decimal("2"))
    assert "hard_cap_dose_mg_per_kg" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        actions.do_edit_template(staff["clinic_admin"], iv_template.pk, organisation=None)
    assert "organisation" in error.value.message_dict
    assert ProtocolTemplate.objects.filter(code="iv-racemic-ketamine").count() == 1
    assert not PlanRevision.objects.exists()


def test_another_clinics_templates_are_invisible(staff, other_staff, iv_template):
    theirs = actions.do_edit_template(other_staff["clinic_admin"], iv_template.pk, infusion_min=60)
    with pytest.raises(Http404):
        actions.do_edit_template(staff["clinic_admin"], theirs.pk, infusion_min=50)
    assert theirs.pk not in {t.pk for t in list_current_templates(staff["prescriber"])}
