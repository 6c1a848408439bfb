"""The patient's own schedule in the portal: only their upcoming appointments, local times, preparation."""

import datetime as dt
import zoneinfo

import pytest

from ketacare.accounts.domain.roles import Role
from ketacare.audit.models import AuditEntry
from ketacare.scheduling.models import AppointmentKind, AppointmentStatus
from ketacare.scheduling.patient_texts import local_time_text
from ketacare.scheduling.tests.test_reminders_support import (
    appointment_type,
    make_appointment,
)

pytestmark = pytest.mark.django_db
PAGE = "/scheduling/portal/appointments/"
API = "/api/v1/scheduling/portal/appointments"


@pytest.fixture
def schedule(org, patient, second_patient, staff):
    boston = org.locations.get(name__endswith="Boston")
    own_type = appointment_type(
        org, AppointmentKind.IV_INFUSION, name="IV with our prep", instructions="No solid food after midnight."
    )
    book = lambda who, **kw: make_appointment(org, who, staff["front_desk"], **kw)  # noqa: E731
    return {
        "esketamine": book(patient, hours_ahead=50, kind=AppointmentKind.ESKETAMINE, location=boston),
        "iv": book(patient, hours_ahead=100, type_=own_type),
        "cancelled": book(patient, hours_ahead=60, status=AppointmentStatus.CANCELLED),
        "past": book(patient, hours_ahead=-30),
        "someone_else": book(second_patient, hours_ahead=40),
    }


def test_patient_sees_their_upcoming_appointments_in_the_locations_zone(signed_in, patient, schedule):
    page = signed_in(patient.user).get(PAGE).content.decode()
    esketamine = schedule["esketamine"]
    assert local_time_text(esketamine.starts_at, zoneinfo.ZoneInfo("America/New_York")) in page
    assert "Harbor Boston" in page and "Do not eat for 2 hours" in page
    assert "No solid food after midnight." in page
    assert page.index("Esketamine session") < page.index("IV with our prep")  # soonest first
    assert page.count('class="card"') == 2  # not the cancelled, past or someone else's
    assert AuditEntry.objects.filter(actor=patient.user, patient=patient, action="list").exists()


def test_api_lists_the_same(signed_in, patient, schedule):
    response = signed_in(patient.user).get(API)
    assert response.status_code == 200
    body = response.json()
    assert [a["id"] for a in body] == [schedule["esketamine"].pk, schedule["iv"].pk]
    assert body[0]["time_zone"] == "America/New_York" and "2 hours" in body[0]["instructions"]
    starts_at = dt.datetime.fromisoformat(body[0]["starts_at"])
    assert abs(starts_at - schedule["esketamine"].starts_at) < dt.timedelta(milliseconds=1)  # JSON keeps ms


def test_empty_and_unlinked(signed_in, org, patient, make_user):
    assert "no upcoming appointments" in signed_in(patient.user).get(PAGE).content.decode()
    unlinked = make_user(org, Role.PATIENT, "patient_unlinked")
    assert "not linked to a patient record" in signed_in(unlinked).get(PAGE).content.decode()
    assert signed_in(unlinked).get(API).json() == []


def test_staff_cannot_use_the_portal_schedule(signed_in, staff):
    assert signed_in(staff["front_desk"]).get(PAGE).status_code == 403
    assert signed_in(staff["nurse"]).get(API).status_code == 403


def test_needs_sign_in(client):
    assert client.get(PAGE).status_code == 302
    assert client.get(API).status_code == 401
