"""Consent as a gate (issue 16.3): plans and sessions are refused without a valid signed consent."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from ketacare.consents import actions
from ketacare.consents.domain.rules import Coverage
from ketacare.consents.models import ConsentTemplate, SignedConsent
from ketacare.consents.selectors import plan_consent_problem, template_for_coverage
from ketacare.protocols import actions as protocol_actions
from ketacare.protocols.models import ProtocolTemplate


def _iv_template():
    return ProtocolTemplate.objects.get(organisation=None, code="iv-racemic-ketamine", version=1)


def _sign(patient, user, coverage, signature_data_url, **extra):
    template = template_for_coverage(patient.organisation_id, coverage)
    return actions.do_sign_consent(
        user,
        patient.pk,
        template_id=template.pk,
        typed_name=patient.full_name,
        signature_data_url=signature_data_url(),
        channel=extra.pop("channel", "in_person"),
        **extra,
    )


@pytest.fixture
def ready_without_consent(weighed_patient, staff, make_plan_ready, monkeypatch):
    """An IV candidate (candidacy approved, weighed today) who has signed nothing."""
    monkeypatch.setattr("ketacare.testing.plans.sign_consents_for_route", lambda *args: [])
    make_plan_ready(weighed_patient, "iv", staff["prescriber"])
    return weighed_patient


def _create_plan(patient, prescriber):
    return protocol_actions.do_create_plan_from_template(
        prescriber, patient.pk, template_id=_iv_template().pk, start_date=patient.today()
    )


def test_plan_refused_before_signing_and_allowed_after(ready_without_consent, staff, signature_data_url):
    prescriber = staff["prescriber"]
    with pytest.raises(ValidationError) as refused:
        _create_plan(ready_without_consent, prescriber)
    message = " ".join(refused.value.message_dict["consent"])
    assert "No valid signed consent for IV ketamine" in message
    assert "Consent to IV ketamine treatment" in message
    assert f"/consents/patients/{ready_without_consent.pk}/" in message

    _sign(ready_without_consent, staff["nurse"], Coverage.KETAMINE_IV, signature_data_url)
    plan = _create_plan(ready_without_consent, prescriber)
    assert protocol_actions.do_change_plan_status(prescriber, plan.pk, status="active", reason="Go").status == "active"


def test_revoked_consent_blocks_starting_the_plan(ready_without_consent, staff, signature_data_url):
    prescriber = staff["prescriber"]
    consent = _sign(ready_without_consent, staff["nurse"], Coverage.KETAMINE_IV, signature_data_url)
    plan = _create_plan(ready_without_consent, prescriber)
    actions.do_revoke_consent(staff["front_desk"], consent.pk, reason="Patient withdrew consent by phone")
    with pytest.raises(ValidationError) as refused:
        protocol_actions.do_change_plan_status(prescriber, plan.pk, status="active", reason="Go")
    assert "consent" in refused.value.message_dict
    # The signed consent itself is unchanged: the revocation is a row of its own.
    assert SignedConsent.objects.get(pk=consent.pk).text_sha256 == consent.text_sha256


def test_expired_consent_no_longer_counts(ready_without_consent, staff, signature_data_url, monkeypatch):
    consent = _sign(ready_without_consent, staff["nurse"], Coverage.KETAMINE_IV, signature_data_url)
    assert consent.template.valid_months == 12
    assert plan_consent_problem(ready_without_consent, _iv_template()) == ""
    later = consent.expires_at + dt.timedelta(seconds=1)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert "No valid signed consent for IV ketamine" in plan_consent_problem(ready_without_consent, _iv_template())


def test_new_major_version_supersedes_minor_does_not(ready_without_consent, staff, signature_data_url):
    _sign(ready_without_consent, staff["nurse"], Coverage.KETAMINE_IV, signature_data_url)
    builtin = template_for_coverage(ready_without_consent.organisation_id, Coverage.KETAMINE_IV)
    admin = staff["clinic_admin"]
    minor = actions.do_new_consent_template_version(admin, builtin.pk, major=False, title="Consent to IV ketamine")
    assert (minor.version, minor.organisation_id) == ("1.1", ready_without_consent.organisation_id)
    assert plan_consent_problem(ready_without_consent, _iv_template()) == ""
    major = actions.do_new_consent_template_version(admin, minor.pk, major=True, body_markdown="New risks.")
    assert major.version == "2.0"
    assert "“Consent to IV ketamine”" in plan_consent_problem(ready_without_consent, _iv_template())
    assert not ConsentTemplate.objects.get(pk=minor.pk).is_active


def test_esketamine_needs_the_rems_enrollment_too(patient, staff, make_plan_ready, monkeypatch, signature_data_url):
    monkeypatch.setattr("ketacare.testing.plans.sign_consents_for_route", lambda *args: [])
    make_plan_ready(patient, "intranasal_esketamine", staff["prescriber"])
    template = ProtocolTemplate.objects.get(organisation=None, code="esketamine-nasal", version=1)
    _sign(patient, staff["nurse"], Coverage.ESKETAMINE, signature_data_url)
    problem = plan_consent_problem(patient, template)
    assert "Spravato REMS patient enrollment" in problem and "esketamine (Spravato):" not in problem
    _sign(patient, staff["nurse"], Coverage.REMS_ENROLLMENT, signature_data_url)
    assert plan_consent_problem(patient, template) == ""


def test_revoked_consent_blocks_the_next_dose(make_chart, staff, portland, patient, certified, enrolled):
    """The session start check: asked before every dose and device (treatments/start_checks.py)."""
    from ketacare.treatments.start_checks import start_check_problems

    session = make_chart(discharged=False)
    assert "consent" not in start_check_problems(session)
    consent = next(
        c for c in SignedConsent.objects.filter(patient=session.patient) if "esketamine" in c.template.covers
    )
    actions.do_revoke_consent(staff["nurse"], consent.pk, reason="Withdrew consent before the session")
    assert "No valid signed consent for esketamine" in start_check_problems(session)["consent"]
