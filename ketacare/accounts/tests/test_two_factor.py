"""Two-factor sign-in (TOTP): who must verify or enrol, and what counts as verified."""

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.audit.models import AuditAction, AuditEntry

STAFF_PAGE = "/patients/"


@pytest.fixture(autouse=True)
def _no_throttle(settings):
    # django-otp delays the next try after a wrong code; tests try again at once.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0


def current_code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    return f"{(int(current_code(device)) + 500_000) % 1_000_000:06d}"


@pytest.fixture
def password_login(client, password):
    """password_login(user) -> the test client, past the sign-in page's first step (username and password)."""

    def log_in(user):
        response = client.post("/accounts/login/", {"username": user.username, "password": password})
        assert response.status_code == 302
        return client

    return log_in


def remove_devices(user) -> None:
    TOTPDevice.objects.filter(user=user).delete()


def test_a_prescriber_with_a_device_is_sent_to_verify_from_any_staff_page(client, staff, password_login):
    password_login(staff["prescriber"])
    for url in (STAFF_PAGE, "/", "/inquiries/", "/audit/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/verify/?next={url}"


def test_a_wrong_code_is_refused(client, staff, password_login):
    prescriber = staff["prescriber"]
    device = TOTPDevice.objects.get(user=prescriber)
    password_login(prescriber)
    response = client.post("/accounts/verify/", {"token": wrong_code(device), "next": STAFF_PAGE})
    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    assert client.get(STAFF_PAGE).status_code == 302


def test_a_malformed_code_names_the_field(client, staff, password_login):
    password_login(staff["prescriber"])
    response = client.post("/accounts/verify/", {"token": "12ab"})
    assert response.status_code == 200
    assert "Enter the 6 digits" in response.content.decode()


def test_the_right_code_lets_them_in(client, staff, password_login):
    prescriber = staff["prescriber"]
    device = TOTPDevice.objects.get(user=prescriber)
    password_login(prescriber)
    client.post("/accounts/verify/", {"token": wrong_code(device)})
    response = client.post("/accounts/verify/", {"token": current_code(device), "next": STAFF_PAGE})
    assert response.status_code == 302
    assert response["Location"] == STAFF_PAGE
    assert client.get(STAFF_PAGE).status_code == 200


def test_verify_does_not_redirect_off_site(client, staff, password_login):
    device = TOTPDevice.objects.get(user=staff["prescriber"])
    password_login(staff["prescriber"])
    response = client.post("/accounts/verify/", {"token": current_code(device), "next": "https://evil.example/"})
    assert response["Location"] == "/"


@pytest.mark.parametrize("role", ["prescriber", "clinic_admin"])
def test_required_roles_without_a_device_are_sent_to_enrol(client, staff, role, password_login):
    remove_devices(staff[role])
    password_login(staff[role])
    response = client.get(STAFF_PAGE)
    assert response.status_code == 302
    assert response["Location"] == "/accounts/two-factor/"


def test_enrolment_with_the_right_code_confirms_the_device_and_is_audited(client, staff, password_login):
    prescriber = staff["prescriber"]
    remove_devices(prescriber)
    password_login(prescriber)
    page = client.get("/accounts/two-factor/")
    assert page.status_code == 200
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=prescriber, confirmed=False)

    refused = client.post("/accounts/two-factor/", {"token": wrong_code(device)})
    assert refused.status_code == 200
    assert not TOTPDevice.objects.filter(user=prescriber, confirmed=True).exists()

    response = client.post("/accounts/two-factor/", {"token": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    entry = AuditEntry.objects.get(action=AuditAction.SECURITY)
    assert (entry.actor, entry.detail) == (prescriber, {"event": "two_factor_enrolled"})
    assert client.get(STAFF_PAGE).status_code == 200


def test_demo_mode_does_not_force_enrolment(client, staff, settings, password_login):
    settings.DEMO_MODE = True
    remove_devices(staff["clinic_admin"])
    password_login(staff["clinic_admin"])
    assert client.get(STAFF_PAGE).status_code == 200


def test_front_desk_without_a_device_is_not_forced(client, staff, password_login):
    assert not TOTPDevice.objects.filter(user=staff["front_desk"]).exists()
    password_login(staff["front_desk"])
    assert client.get(STAFF_PAGE).status_code == 200


def test_a_front_desk_user_who_enrolled_verifies_like_everyone_else(client, staff, password_login):
    TOTPDevice.objects.create(user=staff["front_desk"], name="phone", confirmed=True)
    password_login(staff["front_desk"])
    assert client.get(STAFF_PAGE)["Location"].startswith("/accounts/verify/")


API_URL = "/api/v1/audit/entries"


def test_the_api_refuses_an_unverified_session(client, staff):
    for role in ("prescriber", "clinic_admin"):
        client.force_login(staff[role])
        assert client.get(API_URL).status_code == 401, role


def test_the_api_accepts_a_verified_session(client, staff, signed_in):
    # Accepted as authenticated: the prescriber then meets the role matrix (403), the admin gets data.
    signed_in(staff["prescriber"])
    assert client.get(API_URL).status_code == 403
    signed_in(staff["clinic_admin"])
    assert client.get(API_URL).status_code == 200


def test_the_api_refuses_an_admin_session_that_never_enrolled(client, staff):
    remove_devices(staff["clinic_admin"])
    client.force_login(staff["clinic_admin"])
    assert client.get(API_URL).status_code == 401


def test_the_api_accepts_a_front_desk_session_without_a_device(client, staff):
    client.force_login(staff["front_desk"])
    assert client.get(API_URL).status_code == 403
