"""What the production settings (ketacare/settings.py, a root module above every app) choose where the
test settings differ."""

from ketacare import settings as production


def test_production_hashes_passwords_with_argon2_and_the_login_page_accepts_them(client, staff, settings, password):
    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS  # the other tests hash with MD5, for speed
    nurse = staff["nurse"]
    nurse.set_password(password)
    nurse.save(update_fields=["password"])
    assert nurse.password.startswith("argon2$")
    response = client.post("/accounts/login/", {"username": "nurse_harbor", "password": password})
    assert response.status_code == 302
