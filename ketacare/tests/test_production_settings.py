"""What the production settings (ketacare/settings.py, a root module above every app) choose where the
test settings differ."""

import pytest

from ketacare import settings as production
from ketacare.lib.env import SettingError


def test_production_hashes_passwords_with_argon2_and_the_login_page_accepts_them(client, staff, settings, password):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the other tests hash with MD5, for speed
    nurse = staff["nurse"]
    nurse.set_password(password)
    nurse.save(update_fields=["password"])
    assert nurse.password.startswith("argon2$")
    response = client.post("/accounts/login/", {"username": "nurse_harbor", "password": password})
    assert response.status_code == 302


def test_documents_are_stored_outside_the_web_root_unless_a_bucket_is_configured(monkeypatch):
    monkeypatch.delenv("KETACARE_DOCUMENTS_DIR", raising=False)
    monkeypatch.delenv("KETACARE_DOCUMENTS_STORAGE", raising=False)
    local = production._documents_storage()
    assert local["OPTIONS"]["location"] == str(production.VAR_DIR / "documents")
    assert not str(production.VAR_DIR).startswith(str(production.BASE_DIR))  # not under the app's static files
    monkeypatch.setenv("KETACARE_DOCUMENTS_STORAGE", "ftp")
    with pytest.raises(SettingError, match="KETACARE_DOCUMENTS_STORAGE"):
        production._documents_storage()
    # S3 needs django-storages, which KetaCare does not install: a clear error, not an ImportError later.
    monkeypatch.setenv("KETACARE_DOCUMENTS_STORAGE", "s3")
    monkeypatch.setattr(production.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(SettingError, match="django-storages is not installed"):
        production._documents_storage()
