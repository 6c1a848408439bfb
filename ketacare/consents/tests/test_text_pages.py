"""Clinic admins edit consent texts in pages (issue 16.1); patients withdraw their own consent in the portal."""

import pytest
from django.urls import reverse

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.consents.domain.rules import Coverage
from ketacare.consents.models import ConsentRevocation, ConsentTemplate
from ketacare.consents.selectors import current_templates_of, plan_consent_problem, template_for_coverage
from ketacare.protocols.models import ProtocolTemplate


def _iv_text(organisation_id):
    return template_for_coverage(organisation_id, Coverage.KETAMINE_IV)


def _form(template, **changes):
    """The version form as the page fills it in from `template`, with `changes`."""
    values = {
        "title": template.title,
        "body_markdown": template.body_markdown,
        "covers": list(template.covers),
        "co_signature": template.co_signature,
        "valid_months": template.valid_months or "",
        "source": template.source,
        "version_kind": "minor",
        "save": "1",
    }
    values.update(changes)
    return values


def _iv_protocol():
    return ProtocolTemplate.objects.get(organisation=None, code="iv-racemic-ketamine", version=1)


def test_admin_makes_the_clinics_own_version_of_a_builtin_example(signed_in, staff, org):
    client = signed_in(staff["clinic_admin"])
    builtin = _iv_text(org.pk)
    assert builtin.is_builtin
    page = client.get(reverse("consents:template", args=[builtin.pk])).content.decode()
    assert "Make your clinic's own version of this example" in page
    assert "A major version makes every patient who signed an earlier version sign again" in page

    response = client.post(
        reverse("consents:template", args=[builtin.pk]), _form(builtin, body_markdown="Our clinic's IV text.")
    )

    own = _iv_text(org.pk)
    assert response.status_code == 302 and response.url == reverse("consents:template", args=[own.pk])
    assert (own.organisation_id, own.version, own.body_markdown) == (org.pk, "1.1", "Our clinic's IV text.")
    assert own.title == builtin.title and own.created_by == staff["clinic_admin"]
    assert ConsentTemplate.objects.get(pk=builtin.pk).body_markdown != own.body_markdown  # the example is untouched
    assert AuditEntry.objects.filter(object_type="consents.consenttemplate", object_id=str(own.pk)).exists()


def test_a_major_version_from_the_page_makes_an_older_signature_stop_counting(
    signed_in, staff, weighed_patient, make_plan_ready, sign_consents_for_route, monkeypatch
):
    monkeypatch.setattr("ketacare.testing.plans.sign_consents_for_route", lambda *args: [])
    make_plan_ready(weighed_patient, "iv", staff["prescriber"])
    sign_consents_for_route(weighed_patient, "iv", staff["nurse"])
    assert plan_consent_problem(weighed_patient, _iv_protocol()) == ""
    client = signed_in(staff["clinic_admin"])
    builtin = _iv_text(weighed_patient.organisation_id)

    minor = client.post(reverse("consents:template", args=[builtin.pk]), _form(builtin, title="IV consent"))
    assert "Saved as version 1.1." in client.get(minor.url).content.decode()
    assert plan_consent_problem(weighed_patient, _iv_protocol()) == ""  # wording only: the signature holds

    own = _iv_text(weighed_patient.organisation_id)
    major = client.post(
        reverse("consents:template", args=[own.pk]), _form(own, body_markdown="New risks.", version_kind="major")
    )
    assert "Saved as version 2.0: patients who signed an earlier version sign again." in (
        client.get(major.url).content.decode()
    )
    assert "No valid signed consent for IV ketamine" in plan_consent_problem(weighed_patient, _iv_protocol())


def test_preview_renders_the_markdown_safely_and_saves_nothing(signed_in, staff, org):
    client = signed_in(staff["clinic_admin"])
    builtin = _iv_text(org.pk)
    before = ConsentTemplate.objects.count()

    response = client.post(
        reverse("consents:template", args=[builtin.pk]),
        {**_form(builtin, body_markdown="# Risks\n\n- *nausea*\n\n<script>alert(1)</script>"), "preview": "1"},
    )

    page = response.content.decode()
    assert response.status_code == 200 and 'id="preview"' in page
    assert "<h1>Risks</h1>" in page and "<em>nausea</em>" in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert ConsentTemplate.objects.count() == before


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("valid_months", "0", "greater than or equal to 1"),
        ("covers", "teleportation", "Select a valid choice"),
        ("body_markdown", "   ", "This field is required"),
        ("version_kind", "", "This field is required"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(signed_in, staff, org, field, value, message):
    client = signed_in(staff["clinic_admin"])
    builtin = _iv_text(org.pk)
    before = list(ConsentTemplate.objects.values_list("pk", "is_active"))

    response = client.post(reverse("consents:template", args=[builtin.pk]), _form(builtin, **{field: value}))

    assert response.status_code == 422
    form = response.context["form"]
    assert message in " ".join(form.errors[field])
    assert list(ConsentTemplate.objects.values_list("pk", "is_active")) == before


def test_non_admins_see_the_text_but_cannot_version_or_retire_it(signed_in, staff, org):
    builtin = _iv_text(org.pk)
    before = ConsentTemplate.objects.count()
    for role in ("front_desk", "nurse", "prescriber", "therapist"):
        client = signed_in(staff[role])
        page = client.get(reverse("consents:template", args=[builtin.pk]))
        assert page.status_code == 200 and 'id="new-version"' not in page.content.decode()
        assert client.post(reverse("consents:template", args=[builtin.pk]), _form(builtin)).status_code == 403
        assert client.post(reverse("consents:template_retire", args=[builtin.pk]), {"reason": "x"}).status_code == 403
    assert ConsentTemplate.objects.count() == before


def test_retiring_the_clinics_text_stops_offering_it(signed_in, staff, org):
    client = signed_in(staff["clinic_admin"])
    builtin = _iv_text(org.pk)
    refused = client.post(reverse("consents:template_retire", args=[builtin.pk]), {"reason": "Not used"}, follow=True)
    assert "Not retired." in refused.content.decode() and builtin.key in current_templates_of(org.pk)

    client.post(reverse("consents:template", args=[builtin.pk]), _form(builtin, title="Our IV consent"))
    own = current_templates_of(org.pk)[builtin.key]
    no_reason = client.post(reverse("consents:template_retire", args=[own.pk]), {"reason": " "}, follow=True)
    assert "Reason" in no_reason.content.decode() and builtin.key in current_templates_of(org.pk)

    client.post(reverse("consents:template_retire", args=[own.pk]), {"reason": "Replaced by the combined text"})

    assert builtin.key not in current_templates_of(org.pk)  # the built-in example does not come back either
    assert template_for_coverage(org.pk, Coverage.KETAMINE_IV) is None
    entry = AuditEntry.objects.get(
        object_type="consents.consenttemplate", object_id=str(own.pk), action=AuditAction.STATUS_CHANGE
    )
    assert entry.detail["reason"] == "Replaced by the combined text"


def test_the_patient_withdraws_their_own_consent_in_the_portal(signed_in, staff, patient, sign_consents_for_route):
    [consent] = sign_consents_for_route(patient, "iv", staff["nurse"])
    client = signed_in(patient.user)
    page = client.get(reverse("consents:portal_list")).content.decode()
    assert reverse("consents:portal_revoke", args=[consent.pk]) in page

    refused = client.post(reverse("consents:portal_revoke", args=[consent.pk]), {"reason": ""}, follow=True)
    assert "Not withdrawn." in refused.content.decode() and not ConsentRevocation.objects.exists()

    response = client.post(reverse("consents:portal_revoke", args=[consent.pk]), {"reason": "I changed my mind"})

    assert response.status_code == 302 and response.url == reverse("consents:portal_list")
    revocation = ConsentRevocation.objects.get(consent=consent)
    assert (revocation.reason, revocation.revoked_by) == ("I changed my mind", patient.user)
    assert 'data-state="revoked"' in client.get(reverse("consents:portal_list")).content.decode()


def test_a_patient_cannot_withdraw_someone_elses_consent(
    signed_in, staff, patient, org, make_patient, sign_consents_for_route
):
    other = make_patient(org, 7)
    [consent] = sign_consents_for_route(other, "iv", staff["nurse"])
    client = signed_in(patient.user)
    assert client.post(reverse("consents:portal_revoke", args=[consent.pk]), {"reason": "x"}).status_code == 404
    assert not ConsentRevocation.objects.exists()
