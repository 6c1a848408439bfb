"""Passwords are hashed with Argon2id at OWASP's profile; hashes made before still verify and are upgraded."""

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, PBKDF2PasswordHasher, check_password, make_password

from ketacare import settings as production_settings

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def production_hashers(settings):
    """The test plugin hashes with MD5 for speed; these tests are about the real list."""
    settings.PASSWORD_HASHERS = production_settings.PASSWORD_HASHERS


def argon2_parameters(encoded: str) -> str:
    return encoded.split("$")[3]  # argon2$argon2id$v=19$m=...,t=...,p=...$salt$hash


def test_new_passwords_use_owasps_argon2id_profile():
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2$argon2id$")
    assert argon2_parameters(encoded) == "m=19456,t=2,p=1"


def test_a_hash_with_djangos_default_parameters_verifies_and_is_upgraded_at_sign_in(staff):
    nurse = staff["nurse"]
    nurse.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    nurse.save(update_fields=["password"])
    assert argon2_parameters(nurse.password) == "m=102400,t=2,p=8"
    assert nurse.check_password(PASSWORD)
    nurse.refresh_from_db()
    assert argon2_parameters(nurse.password) == "m=19456,t=2,p=1"
    assert nurse.check_password(PASSWORD)


def test_a_pbkdf2_hash_still_verifies():
    old = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    assert check_password(PASSWORD, old)
    assert not check_password("wrong password", old)
