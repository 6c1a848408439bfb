"""The patient's consents and portal account on the chart /patients/<id>/ (issues 15.3, 16.2)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ketacare.consents.actions import do_revoke_consent
from ketacare.consents.models import ConsentTemplate, SignedConsent
from ketacare.consents.selectors import patient_consents
from ketacare.consents.views import consents_section
from ketacare.protocols.models import TreatmentPlan


def _chart(client, patient) -> str:
    response = client.get(reverse("patients:detail", args=[patient.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_every_staff_role_sees_consents_and_portal_account_on_the_chart_buttons_by_role(
    signed_in, staff, patient, sign_consents_for_route
):
    sign_consents_for_route(patient, "iv", staff["nurse"])
    for role in ("front_desk", "nurse", "prescriber", "therapist", "clinic_admin"):
        chart = _chart(signed_in(staff[role]), patient)
        assert 'id="consents"' in chart and 'data-state="valid"' in chart, role
        assert 'id="portal-account"' in chart, role
        may_collect = role != "therapist"
        assert (reverse("consents:revoke", args=[patient.signed_consents.get().pk]) in chart) is may_collect, role
        may_manage_portal = role in ("front_desk", "clinic_admin")
        assert (reverse("portal_accounts:deactivate", args=[patient.pk]) in chart) is may_manage_portal, role


def test_the_patient_cannot_open_the_chart(signed_in, patient):
    assert signed_in(patient.user).get(reverse("patients:detail", args=[patient.pk])).status_code in (403, 404)


def test_the_measures_page_no_longer_carries_them(signed_in, staff, patient):
    page = signed_in(staff["nurse"]).get(reverse("measures:patient", args=[patient.pk])).content.decode()
    assert 'id="consents"' not in page and 'id="portal-account"' not in page


def test_the_chart_reads_in_a_constant_number_of_queries_whatever_the_number_of_consents(
    signed_in, staff, patient, sign_consents_for_route
):
    client = signed_in(staff["nurse"])
    sign_consents_for_route(patient, "iv", staff["nurse"])
    _chart(client, patient)  # warm caches (session, settings) out of the count
    with CaptureQueriesContext(connection) as one:
        _chart(client, patient)
    for _ in range(3):  # withdrawn and signed again: four consents, three of them revoked
        [consent] = patient.signed_consents.filter(revocation__isnull=True)
        do_revoke_consent(staff["nurse"], consent.pk, reason="Withdrawn by phone")
        sign_consents_for_route(patient, "iv", staff["nurse"])
    with CaptureQueriesContext(connection) as many:
        _chart(client, patient)
    print(f"\nchart queries: {len(one)} with one consent, {len(many)} with {patient.signed_consents.count()}")
    assert len(many) == len(one)


def test_the_consents_section_reads_in_four_queries_whatever_the_number_of_consents(
    rf, staff, patient, sign_consents_for_route
):
    request = rf.get(reverse("patients:detail", args=[patient.pk]))
    request.user = staff["nurse"]
    consents_section(request, patient)  # the section's SQL is built on first use on a connection
    counts = []
    for _ in range(2):
        for _ in range(3 if counts else 1):  # one consent, then three more (withdrawn and signed again)
            for consent in patient.signed_consents.filter(revocation__isnull=True):
                do_revoke_consent(staff["nurse"], consent.pk, reason="Withdrawn by phone")
            sign_consents_for_route(patient, "iv", staff["nurse"])
        with CaptureQueriesContext(connection) as queries:
            section = consents_section(request, patient)
        assert section.count('data-state="revoked"') == patient.signed_consents.count() - 1
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 4  # the texts, the consents, the candidacy decisions and the plans' routes


def test_the_consent_state_reads_build_no_sql_per_request(staff, patient, sign_consents_for_route, sql_built_for):
    """Issue 19: building these reads' SQL was most of the chart's consents section; it is built once per
    connection, and every call still asks the database (a consent signed a moment ago shows)."""
    assert patient_consents(patient).rows == []
    sign_consents_for_route(patient, "iv", staff["nurse"])
    sql_built_for.clear()
    summary = patient_consents(patient)
    assert [row.state for row in summary.rows] == ["valid"]
    assert not set(sql_built_for) & {ConsentTemplate, SignedConsent, TreatmentPlan}
