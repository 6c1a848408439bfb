"""Patients may enrol an authenticator app; a clinic may require it of every patient."""

from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

SETUP = reverse("accounts:two_factor_setup")
HOME = reverse("portal:home")


def test_a_patient_enrols_an_authenticator_app_on_the_two_factor_page(client, patient):
    client.force_login(patient.user)
    assert client.get(SETUP).status_code == 200
    device = TOTPDevice.objects.get(user=patient.user, confirmed=False)

    response = client.post(SETUP, {"token": f"{TOTP(device.bin_key).token():06d}"})

    assert response.status_code == 302
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.get(HOME).status_code == 200


def test_patients_need_no_second_factor_unless_the_clinic_requires_it(client, patient):
    client.force_login(patient.user)
    assert client.get(HOME).status_code == 200


def test_a_clinic_that_requires_it_sends_a_patient_without_a_device_to_enrol(client, patient, second_patient):
    organisation = patient.organisation
    organisation.patients_require_two_factor = True
    organisation.save(update_fields=["patients_require_two_factor"])
    client.force_login(patient.user)

    response = client.get(HOME)

    assert response.status_code == 302 and response.url == SETUP
    # One who has enrolled is asked for a code instead, as staff are.
    TOTPDevice.objects.create(user=second_patient.user, name="phone", confirmed=True)
    client.force_login(second_patient.user)
    assert client.get(HOME).url.startswith(reverse("accounts:verify"))
