"""Changing a plan's dose within the protocol's limits: titration without an override."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.protocols import actions


@pytest.fixture
def plan(staff, iv_candidate, iv_template):
    return actions.do_create_plan_from_template(
        staff["prescriber"], iv_candidate.pk, template_id=iv_template.pk, start_date=dt.date(2026, 12, 1)
    )


def test_without_a_dose_it_takes_the_next_titration_step_and_is_audited(staff, plan):
    result = actions.do_change_plan_dose(staff["prescriber"], plan.pk, reason="No response after 3 sessions")
    plan.refresh_from_db()
    assert plan.dose_mg_per_kg == Decimal("0.75")
    assert result.dose_mg == Decimal("52")  # 0.75 mg/kg × 70 kg = 52.5, rounded down so it stays within the maximum
    assert not result.blocked
    entry = AuditEntry.objects.filter(action=AuditAction.UPDATE, patient=plan.patient).latest("sequence")
    assert (entry.detail["fields"], entry.detail["reason"]) == (["dose_mg_per_kg"], "No response after 3 sessions")
    assert Decimal(entry.detail["from"]) == Decimal("0.5") and Decimal(entry.detail["to"]) == Decimal("0.75")
    assert plan.revisions.first().reason == "No response after 3 sessions"


def test_at_the_top_step_a_dose_must_be_given(staff, plan):
    actions.do_change_plan_dose(staff["prescriber"], plan.pk, reason="Titrate")
    with pytest.raises(ValidationError, match="no higher titration step"):
        actions.do_change_plan_dose(staff["prescriber"], plan.pk, reason="Again")


def test_a_dose_above_the_maximum_needs_the_override_instead_and_nothing_changes(staff, plan):
    with pytest.raises(ValidationError, match="overrides it with a reason"):
        actions.do_change_plan_dose(staff["prescriber"], plan.pk, dose_mg_per_kg="0.9", reason="More")
    plan.refresh_from_db()
    assert plan.dose_mg_per_kg == Decimal("0.5")


def test_a_reason_is_required(staff, plan):
    with pytest.raises(ValidationError) as error:
        actions.do_change_plan_dose(staff["prescriber"], plan.pk, dose_mg_per_kg="0.6", reason=" ")
    assert "reason" in error.value.message_dict


def test_only_a_prescriber_of_the_organisation_changes_a_dose(staff, other_staff, plan):
    with pytest.raises(PermissionDenied):
        actions.do_change_plan_dose(staff["nurse"], plan.pk, dose_mg_per_kg="0.6", reason="x")
    with pytest.raises(Http404):
        actions.do_change_plan_dose(other_staff["prescriber"], plan.pk, dose_mg_per_kg="0.6", reason="x")


def test_the_plan_page_offers_the_next_step_and_changes_the_dose(client, staff, plan, signed_in):
    signed_in(staff["prescriber"])
    page = client.get(f"/protocols/plans/{plan.pk}/")
    assert "next titration step: 0.75 mg/kg" in page.content.decode()
    response = client.post(f"/protocols/plans/{plan.pk}/dose/", {"dose_mg_per_kg": "", "reason": "Non-response"})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.dose_mg_per_kg == Decimal("0.75")
