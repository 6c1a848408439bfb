"""Self-registration (a clinic setting, off by default): the consultation request's confirmation email
carries a link that creates the portal account once the request has become a patient record."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from ketacare.audit.models import AuditEntry
from ketacare.inquiries.actions import do_convert_inquiry, do_submit_inquiry
from ketacare.inquiries.domain.validation import InquirySubmission, WindowRequest
from ketacare.inquiries.models import Inquiry
from ketacare.inquiries.tests.conftest import upcoming
from ketacare.outbox.models import MailKind, OutgoingMessage

PASSWORD = "violet ferry lantern 42"
LINK = re.compile(r"http://testserver(/portal/register/[^/\s]+/)")


def submit(org, email="robin@example.org") -> Inquiry:
    submission = InquirySubmission(
        first_name="Robin",
        last_name="Okafor",
        date_of_birth=dt.date(1985, 3, 14),
        phone="(503) 555-0123",
        email=email,
        windows=(WindowRequest(date=upcoming(12, 1), start_time=dt.time(9), end_time=dt.time(12)),),
        reasons=("depression",),
        consent_to_contact=True,
    )
    return do_submit_inquiry(AnonymousUser(), organisation=org, submission=submission).inquiry


def confirmation_link(inquiry) -> str | None:
    mail = OutgoingMessage.objects.get(kind=MailKind.INQUIRY_CONFIRMATION, reference=f"inquiries.inquiry:{inquiry.pk}")
    found = LINK.search(mail.body)
    return found.group(1) if found else None


def registration(date_of_birth="1985-03-14"):
    return {"date_of_birth": date_of_birth, "password": PASSWORD, "password_again": PASSWORD}


@pytest.fixture
def self_registering(org):
    org.portal_self_registration = True
    org.save(update_fields=["portal_self_registration"])
    return org


def test_without_the_setting_the_confirmation_carries_no_portal_link(org):
    assert confirmation_link(submit(org)) is None


def test_the_link_waits_for_the_clinic_then_creates_an_account_bound_to_the_new_record(client, self_registering, staff):
    inquiry = submit(self_registering)
    path = confirmation_link(inquiry)

    before = client.get(path)
    assert before.status_code == 410 and "has not registered you as a patient yet" in before.content.decode()

    patient = do_convert_inquiry(staff["front_desk"], inquiry.pk)
    assert client.get(path).status_code == 200
    assert client.post(path, registration(date_of_birth="1985-03-15")).status_code == 422
    response = client.post(path, registration())

    assert response.status_code == 302 and response.url == reverse("portal:home")
    patient.refresh_from_db()
    account = patient.user
    assert (account.username, account.role, account.is_active) == ("robin@example.org", "patient", True)
    assert account.check_password(PASSWORD) and account.organisation == self_registering
    assert "Hello, Robin" in client.get(reverse("portal:home")).content.decode()
    assert AuditEntry.objects.filter(patient=patient, detail__event="portal_self_registered").count() == 1

    client.logout()
    again = client.get(path)
    assert again.status_code == 410 and "You already have a portal account" in again.content.decode()


def test_a_link_for_an_address_the_clinic_has_since_changed_opens_nothing(client, self_registering, staff):
    inquiry = submit(self_registering)
    patient = do_convert_inquiry(staff["front_desk"], inquiry.pk)
    patient.email = "robin.corrected@example.org"
    patient.save(update_fields=["email"])

    response = client.post(confirmation_link(inquiry), registration())

    assert response.status_code == 410 and "has changed" in response.content.decode()
    patient.refresh_from_db()
    assert patient.user is None


def test_an_altered_link_is_not_valid(client, self_registering):
    path = confirmation_link(submit(self_registering))
    # One character of the signature changed (str.replace would also change the same letter in the path).
    altered = path[:-6] + ("A" if path[-6] != "A" else "B") + path[-5:]

    response = client.get(altered)

    assert response.status_code == 410 and "not valid" in response.content.decode()


def test_turning_the_setting_off_stops_links_already_sent(client, self_registering, staff):
    inquiry = submit(self_registering)
    do_convert_inquiry(staff["front_desk"], inquiry.pk)
    self_registering.portal_self_registration = False
    self_registering.save(update_fields=["portal_self_registration"])

    response = client.get(confirmation_link(inquiry))

    assert response.status_code == 410 and "does not offer" in response.content.decode()


def test_the_clinic_admin_turns_both_portal_settings_on_in_clinic_settings(signed_in, staff, org):
    admin = signed_in(staff["clinic_admin"])
    page = admin.get(reverse("clinics:settings")).content.decode()
    assert "Patients may create their own portal account" in page and "Patients must use two-factor" in page

    response = admin.post(
        reverse("clinics:settings"),
        {
            "name": org.name,
            "phone": org.phone,
            "minimum_age_years": "18",
            "crisis_line": "988",
            "crisis_text": org.crisis_text,
            "portal_self_registration": "on",
            "patients_require_two_factor": "on",
        },
    )

    assert response.status_code == 302
    org.refresh_from_db()
    assert org.portal_self_registration and org.patients_require_two_factor


def test_without_the_sites_address_the_confirmation_goes_out_without_the_link(settings, self_registering):
    settings.PUBLIC_BASE_URL = ""

    inquiry = submit(self_registering)

    assert confirmation_link(inquiry) is None
    assert "patient portal" not in OutgoingMessage.objects.get(kind=MailKind.INQUIRY_CONFIRMATION).body
