"""The chart's consents section and the tablet hand-over (issue 16.2)."""

import datetime as dt

from ketacare.consents.domain.rules import Coverage
from ketacare.consents.selectors import consent_states, template_for_coverage


def test_the_chart_shows_missing_valid_and_expiring_consents(
    client, signed_in, staff, patient, make_plan_ready, sign_consents_for_route, monkeypatch
):
    monkeypatch.setattr("ketacare.testing.plans.sign_consents_for_route", lambda *args: [])
    make_plan_ready(patient, "iv", staff["prescriber"])  # IV approved at candidacy: its consent is next
    signed_in(staff["nurse"])
    chart = client.get(f"/patients/{patient.pk}/").content.decode()
    assert 'id="consents-missing"' in chart and "IV ketamine" in chart and "Sign on tablet" in chart

    [consent] = sign_consents_for_route(patient, "iv", staff["nurse"])
    chart = client.get(f"/patients/{patient.pk}/").content.decode()
    assert 'id="consents-missing"' not in chart and 'data-state="valid"' in chart

    # Ten days before it expires (a moment the staff session would not survive: asked of the selector).
    [row] = consent_states(patient, now=consent.expires_at - dt.timedelta(days=10))
    assert (row.state, row.label) == ("expiring", "Valid, expiring within 30 days")
    [row] = consent_states(patient, now=consent.expires_at)
    assert row.state == "expired"


def test_the_tablet_in_kiosk_mode_answers_only_the_signing_page(client, signed_in, staff, patient):
    signed_in(staff["front_desk"])
    template = template_for_coverage(patient.organisation_id, Coverage.KETAMINE_IV)
    response = client.post(f"/consents/patients/{patient.pk}/tablet/{template.pk}/")
    assert response.status_code == 302 and response.url == "/consents/kiosk/"
    for elsewhere in (
        f"/patients/{patient.pk}/",
        "/consents/texts/",
        f"/consents/patients/{patient.pk}/",
        "/api/v1/patients",
    ):
        assert client.get(elsewhere).url == "/consents/kiosk/", elsewhere
    page = client.get("/consents/kiosk/").content.decode()
    assert template.title in page and "signature-pad.js" in page and "<nav" not in page
