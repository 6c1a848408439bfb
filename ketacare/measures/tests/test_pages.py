"""Answering pages (emailed link, portal, tablet), the staff questionnaire page and the safety dashboard."""

import datetime as dt

import pytest
from django.utils import timezone

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.measures.models import Alert, AssignmentStatus, QuestionnaireAssignment, QuestionnaireResponse
from ketacare.measures.tests.conftest import PHQ9_ITEM9, PHQ9_SAFE

pytestmark = pytest.mark.django_db


def form(values) -> dict[str, str]:
    return {f"item_{number}": str(value) for number, value in enumerate(values, start=1)}


def test_link_page_needs_no_login_and_shows_only_the_questions(client, assign, patient):
    token = assign(patient).link_token
    page = client.get(f"/measures/r/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Little interest or pleasure in doing things" in html
    assert "1 of 9" in html and "Not at all" in html
    assert patient.last_name not in html and patient.record_number not in html


def test_answers_are_saved_by_htmx_and_kept_on_reload(client, assign, patient):
    token = assign(patient).link_token
    saved = client.post(f"/measures/r/{token}/answer/", {"item_3": "2"}, HTTP_HX_REQUEST="true")
    assert saved.status_code == 200
    assert "1 of 9 answered" in saved.content.decode()
    assert QuestionnaireResponse.objects.get().answers == {"3": 2}
    html = client.get(f"/measures/r/{token}/").content.decode()
    assert 'name="item_3" value="2" checked' in " ".join(html.split())


def test_a_bad_answer_is_named_and_not_saved(client, assign, patient):
    token = assign(patient).link_token
    saved = client.post(f"/measures/r/{token}/answer/", {"item_3": "9"})
    assert saved.status_code == 422
    assert "out of range 0–3" in saved.content.decode()
    assert not QuestionnaireResponse.objects.filter(answers__has_key="3").exists()


def test_the_link_works_once(client, assign, patient):
    token = assign(patient).link_token
    done = client.post(f"/measures/r/{token}/submit/", form(PHQ9_SAFE))
    assert done.status_code == 200 and "Thank you" in done.content.decode()
    again = client.get(f"/measures/r/{token}/")
    assert "already been submitted" in again.content.decode()
    resubmit = client.post(f"/measures/r/{token}/submit/", form([0] * 9))
    assert "already been submitted" in resubmit.content.decode()
    assert QuestionnaireResponse.objects.get().total == 8


def test_an_expired_link_does_not_open(client, assign, patient):
    outcome = assign(patient)
    QuestionnaireAssignment.objects.filter(pk=outcome.assignment.pk).update(
        link_expires_at=timezone.now() - dt.timedelta(minutes=1)
    )
    assert client.get(f"/measures/r/{outcome.link_token}/").status_code == 410
    assert client.post(f"/measures/r/{outcome.link_token}/answer/", {"item_1": "1"}).status_code == 422
    assert client.post(f"/measures/r/{outcome.link_token}/submit/", form(PHQ9_SAFE)).status_code == 410
    assert not QuestionnaireResponse.objects.exists()


def test_an_unknown_token_is_a_404(client, assign, patient):
    assign(patient)
    assert client.get("/measures/r/not-a-token/").status_code == 404


def test_submitting_item_9_shows_crisis_resources_at_once(client, assign, patient, staff):
    token = assign(patient).link_token
    done = client.post(f"/measures/r/{token}/submit/", form(PHQ9_ITEM9))
    html = done.content.decode()
    assert "call or text 988" in html
    assert patient.organisation.phone in html
    assert Alert.objects.count() == 1


def test_an_incomplete_submission_is_refused_naming_the_item(client, assign, patient):
    token = assign(patient).link_token
    page = client.post(f"/measures/r/{token}/submit/", form(PHQ9_SAFE[:5]))
    assert page.status_code == 422
    assert "item 6" in page.content.decode()
    assert QuestionnaireAssignment.objects.get().status == AssignmentStatus.PENDING


def test_portal_lists_and_answers_own_questionnaires(signed_in, assign, patient, second_patient):
    own = assign(patient).assignment
    other = assign(second_patient).assignment
    client = signed_in(patient.user)
    listing = client.get("/measures/portal/")
    assert f"/measures/portal/{own.pk}/" in listing.content.decode()
    assert f"/measures/portal/{other.pk}/" not in listing.content.decode()
    assert client.get(f"/measures/portal/{other.pk}/").status_code == 404
    assert client.post(f"/measures/portal/{other.pk}/submit/", form(PHQ9_SAFE)).status_code == 404
    assert client.post(f"/measures/portal/{own.pk}/submit/", form(PHQ9_SAFE)).status_code == 200
    assert QuestionnaireResponse.objects.get().channel == "portal"


def test_tablet_check_in_by_signed_in_staff(signed_in, assign, patient, staff, other_staff):
    assignment = assign(patient).assignment
    assert signed_in(other_staff["nurse"]).get(f"/measures/tablet/{assignment.pk}/").status_code == 404
    client = signed_in(staff["front_desk"])
    assert client.get(f"/measures/tablet/{assignment.pk}/").status_code == 200
    assert client.post(f"/measures/tablet/{assignment.pk}/submit/", form(PHQ9_SAFE)).status_code == 200
    response = QuestionnaireResponse.objects.get()
    assert (response.channel, response.entered_by) == ("tablet", staff["front_desk"])


def test_staff_page_lists_responses_and_is_audited(signed_in, assign, patient, staff, client):
    token = assign(patient).link_token
    client.post(f"/measures/r/{token}/submit/", form(PHQ9_ITEM9))
    page = signed_in(staff["therapist"]).get(f"/measures/patients/{patient.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "suicidal_ideation" in html and "moderate" in html
    assert AuditEntry.objects.filter(action=AuditAction.VIEW, patient=patient, actor=staff["therapist"]).exists()


def test_another_organisations_staff_get_404(signed_in, patient, other_staff):
    client = signed_in(other_staff["prescriber"])
    assert client.get(f"/measures/patients/{patient.pk}/").status_code == 404
    due = (timezone.now() + dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert (
        client.post(
            f"/measures/patients/{patient.pk}/assign/", {"instrument": "phq9", "due_at": due, "reason": "manual"}
        ).status_code
        == 404
    )
    assert not QuestionnaireAssignment.objects.exists()


def test_staff_assign_from_the_page(signed_in, patient, staff):
    due = "2030-01-02T09:30"
    page = signed_in(staff["front_desk"]).post(
        f"/measures/patients/{patient.pk}/assign/", {"instrument": "gad7", "due_at": due, "reason": "baseline"}
    )
    assert page.status_code == 302
    assignment = QuestionnaireAssignment.objects.get()
    assert (assignment.instrument, assignment.reason, assignment.assigned_by) == (
        "gad7",
        "baseline",
        staff["front_desk"],
    )
    assert assignment.due_at == dt.datetime(2030, 1, 2, 9, 30, tzinfo=dt.UTC)  # no home location: UTC


def test_staff_amend_from_the_page(signed_in, assign, patient, staff, client):
    token = assign(patient).link_token
    client.post(f"/measures/r/{token}/submit/", form(PHQ9_SAFE))
    original = QuestionnaireResponse.objects.get()
    nurse = signed_in(staff["nurse"])
    refused = nurse.post(
        f"/measures/responses/{original.pk}/amend/", {**form([2] + PHQ9_SAFE[1:]), "amendment_reason": ""}
    )
    assert refused.status_code == 422 and QuestionnaireResponse.objects.count() == 1
    nurse.post(f"/measures/responses/{original.pk}/amend/", {**form([2] + PHQ9_SAFE[1:]), "amendment_reason": "typo"})
    amendment = QuestionnaireResponse.objects.exclude(pk=original.pk).get()
    assert (amendment.amends, amendment.total) == (original, 9)


def test_patients_cannot_see_the_dashboard(signed_in, patient):
    assert signed_in(patient.user).get("/measures/alerts/").status_code == 403


def test_dashboard_shows_only_own_organisation_and_acknowledges_with_a_note(
    signed_in, client, assign, patient, staff, other_staff
):
    client.post(f"/measures/r/{assign(patient).link_token}/submit/", form(PHQ9_ITEM9))
    alert = Alert.objects.get()
    assert patient.record_number not in signed_in(other_staff["nurse"]).get("/measures/alerts/").content.decode()
    assert (
        signed_in(other_staff["nurse"]).post(f"/measures/alerts/{alert.pk}/acknowledge/", {"note": "x"}).status_code
        == 404
    )
    prescriber = signed_in(staff["prescriber"])
    assert patient.record_number in prescriber.get("/measures/alerts/").content.decode()
    prescriber.post(f"/measures/alerts/{alert.pk}/acknowledge/", {"note": ""})
    alert.refresh_from_db()
    assert alert.status == "open"
    prescriber.post(f"/measures/alerts/{alert.pk}/acknowledge/", {"note": "Called; safe; plan reviewed"})
    alert.refresh_from_db()
    assert alert.status == "acknowledged"


def test_clinic_admin_edits_the_settings(signed_in, staff, org):
    from ketacare.measures.models import MeasurementSettings

    admin = signed_in(staff["clinic_admin"])
    values = {
        "link_valid_hours": "24",
        "alert_escalation_minutes": "15",
        "madrs_remission_max": "12",
        "pcl5_cutoff_total": "33",
    }
    assert admin.post("/measures/settings/", values).status_code == 302
    saved = MeasurementSettings.objects.get(organisation=org)
    assert (saved.link_valid_hours, saved.alert_escalation_minutes, saved.madrs_remission_max) == (24, 15, 12)
    assert AuditEntry.objects.filter(object_type="measures.measurementsettings", actor=staff["clinic_admin"]).exists()
    refused = admin.post("/measures/settings/", {**values, "link_valid_hours": "0"})
    assert refused.status_code == 422 and "greater than or equal to 1" in refused.content.decode()
    saved.refresh_from_db()
    assert saved.link_valid_hours == 24


def test_only_clinic_admins_edit_the_settings(signed_in, staff):
    assert signed_in(staff["prescriber"]).post("/measures/settings/", {"link_valid_hours": "1"}).status_code == 403
