"""The fee schedule, charge rules, billing identity and providers' NPIs: actions, pages and API."""

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ketacare.billing.actions import fees as actions
from ketacare.billing.models import BillingSettings, ChargeRule, FeeScheduleItem, ProviderBillingIdentity

pytestmark = pytest.mark.django_db

J0013 = {
    "code_system": "hcpcs",
    "code": "j0013",
    "description": "Esketamine, 1 mg",
    "self_pay_price": "12.00",
    "units_rule": "per_mg",
}


def test_billing_adds_an_item_and_every_change_is_audited(staff, audit_entries):
    item = actions.do_create_fee_item(staff["billing"], **J0013)
    assert (item.code, item.self_pay_price, item.currency) == ("J0013", Decimal("12.00"), "USD")
    actions.do_update_fee_item(staff["billing"], item.pk, self_pay_price="13.50", modifiers="jz")
    item.refresh_from_db()
    assert (item.self_pay_price, item.modifiers) == (Decimal("13.50"), "JZ")
    [update] = audit_entries(action="update", object_type="billing.feescheduleitem")
    assert update.detail["changes"]["self_pay_price"] == {"before": "12.00", "after": "13.50"}


def test_bad_item_names_every_field_and_saves_nothing(staff):
    with pytest.raises(ValidationError) as error:
        actions.do_create_fee_item(
            staff["billing"],
            code_system="cpt",
            code="J0013",  # not a CPT code
            modifiers="25,59,GT,95,XE",
            description=" ",
            self_pay_price="-3",
            units_rule="per_kg",
            location_id=10**30,
        )
    assert set(error.value.message_dict) == {
        "code",
        "modifiers",
        "description",
        "self_pay_price",
        "units_rule",
        "location_id",
    }
    assert not FeeScheduleItem.objects.exists()


def test_same_code_twice_is_refused_but_a_location_may_price_it_apart(staff, portland):
    actions.do_create_fee_item(staff["billing"], **J0013)
    with pytest.raises(ValidationError) as error:
        actions.do_create_fee_item(staff["billing"], **J0013)
    assert "already has J0013" in error.value.message_dict["code"][0]
    actions.do_create_fee_item(staff["billing"], **J0013, location_id=portland.pk)
    assert FeeScheduleItem.objects.count() == 2


def test_retiring_an_item_retires_its_rules(staff, fee_schedule):
    actions.do_retire_fee_item(staff["clinic_admin"], fee_schedule["J0013"].pk)
    assert not ChargeRule.objects.filter(fee_item=fee_schedule["J0013"], is_active=True).exists()
    with pytest.raises(ValidationError):
        actions.do_update_fee_item(staff["clinic_admin"], fee_schedule["J0013"].pk, description="x")


def test_charge_rule_checks_its_choices(staff, fee_schedule):
    with pytest.raises(ValidationError) as error:
        actions.do_create_charge_rule(staff["billing"], trigger="session_laser", payer_scope="rich", fee_item_id=0)
    assert set(error.value.message_dict) == {"trigger", "payer_scope", "fee_item_id"}
    rule = actions.do_create_charge_rule(
        staff["billing"], trigger="session_im", fee_item_id=fee_schedule["99214"].pk, position=2
    )
    assert (rule.trigger, rule.payer_scope, rule.position) == ("session_im", "any", 2)


def test_billing_settings_and_provider_npi_refuse_a_mistyped_npi(staff):
    with pytest.raises(ValidationError) as error:
        actions.do_update_billing_settings(
            staff["billing"], billing_npi="1234567890", tax_id="12-345", place_of_service="office"
        )
    assert set(error.value.message_dict) == {"billing_npi", "tax_id", "place_of_service"}
    assert not BillingSettings.objects.exists() or BillingSettings.objects.get().billing_npi == ""
    row = actions.do_update_billing_settings(staff["billing"], billing_npi="1234567893", region="or")
    assert (row.billing_npi, row.region) == ("1234567893", "OR")
    with pytest.raises(ValidationError) as error:
        actions.do_set_provider_identity(staff["billing"], staff["prescriber"].pk, npi="123")
    assert set(error.value.message_dict) == {"npi"}
    actions.do_set_provider_identity(
        staff["billing"], staff["prescriber"].pk, npi="1234567893", taxonomy_code="2084p0800x"
    )
    assert ProviderBillingIdentity.objects.get(user=staff["prescriber"]).taxonomy_code == "2084P0800X"
    with pytest.raises(Http404):  # a nurse renders no billed care
        actions.do_set_provider_identity(staff["billing"], staff["nurse"].pk, npi="1234567893")


@pytest.mark.parametrize("role", ["front_desk", "nurse", "prescriber", "therapist"])
def test_only_billing_and_clinic_admin_set_up_fees(staff, role):
    with pytest.raises(PermissionDenied):
        actions.do_create_fee_item(staff[role], **J0013)
    with pytest.raises(PermissionDenied):
        actions.do_update_billing_settings(staff[role], billing_name="X")


def test_another_organisation_cannot_change_the_fee_schedule(fee_schedule, other_staff):
    with pytest.raises(Http404):
        actions.do_update_fee_item(other_staff["billing"], fee_schedule["J0013"].pk, self_pay_price="1.00")


# --- pages


def test_fee_schedule_page_shows_field_errors_and_changes_nothing(signed_in, staff):
    client = signed_in(staff["billing"])
    response = client.post(
        "/billing/fees/",
        {
            "code_system": "hcpcs",
            "code": "J13",
            "description": "Esketamine",
            "self_pay_price": "ten",
            "units_rule": "per_mg",
        },
    )
    assert response.status_code == 422
    form = response.context["form"]
    assert set(form.errors) == {"code", "self_pay_price"}
    assert not FeeScheduleItem.objects.exists()
    response = client.post("/billing/fees/", {**J0013, "location_id": ""})
    assert response.status_code == 302
    page = client.get("/billing/fees/")
    assert b"J0013" in page.content and b"$12.00" in page.content


def test_front_desk_reads_the_fee_schedule_but_may_not_post(signed_in, staff, fee_schedule):
    client = signed_in(staff["front_desk"])
    assert client.get("/billing/fees/").status_code == 200
    assert client.post("/billing/fees/", J0013).status_code == 403


def test_settings_page_saves_and_names_a_bad_npi(signed_in, staff):
    client = signed_in(staff["clinic_admin"])
    fields = {"place_of_service": "11", "currency": "USD", "billing_npi": "1234567890"}
    response = client.post("/billing/fees/settings/", fields)
    assert response.status_code == 422 and "billing_npi" in response.context["form"].errors
    assert client.post("/billing/fees/settings/", {**fields, "billing_npi": "1234567893"}).status_code == 302
    assert BillingSettings.objects.get().billing_npi == "1234567893"
    fields["billing_npi"] = "1234567893"
    response = client.post("/billing/fees/settings/", {**fields, "invoice_due_days": "400"})
    assert response.status_code == 422 and "invoice_due_days" in response.context["form"].errors
    assert client.post("/billing/fees/settings/", {**fields, "invoice_due_days": "45"}).status_code == 302
    assert BillingSettings.objects.get().invoice_due_days == 45


# --- API


def test_fee_api_creates_lists_changes_and_names_bad_fields(signed_in, staff, other_staff):
    client = signed_in(staff["billing"])
    created = client.post("/api/v1/billing/fees/items", J0013, content_type="application/json")
    assert created.status_code == 201, created.content
    item_id = created.json()["id"]
    assert [row["code"] for row in client.get("/api/v1/billing/fees/items").json()] == ["J0013"]
    bad = client.post("/api/v1/billing/fees/items", {**J0013, "code": "99214"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"][-1] == "code"
    patched = client.patch(
        f"/api/v1/billing/fees/items/{item_id}", {"self_pay_price": "14.00"}, content_type="application/json"
    )
    assert patched.json()["self_pay_price"] == "14.00"
    rule = client.post(
        "/api/v1/billing/fees/rules",
        {"trigger": "session_esketamine", "payer_scope": "not_medicare", "fee_item_id": item_id},
        content_type="application/json",
    )
    assert rule.status_code == 201 and rule.json()["code"] == "J0013"
    npi = client.put(
        f"/api/v1/billing/fees/providers/{staff['prescriber'].pk}",
        {"npi": "1234567893"},
        content_type="application/json",
    )
    assert npi.status_code == 200 and npi.json()["npi"] == "1234567893"
    assert signed_in(staff["nurse"]).get("/api/v1/billing/fees/items").status_code == 403
    other = signed_in(other_staff["billing"])
    assert (
        other.patch(
            f"/api/v1/billing/fees/items/{item_id}", {"description": "x"}, content_type="application/json"
        ).status_code
        == 404
    )
