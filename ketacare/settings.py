"""KetaCare settings, read from environment variables (docs/configuration.md).

Nothing here reads the database; clinic-level settings that differ between
clinics (minimum age, crisis line, ...) live on the Organisation model so a
clinic admin edits them without a deploy.
"""

import importlib.util
import secrets
from datetime import timedelta
from functools import partial
from pathlib import Path

from django.utils.functional import Promise, lazy

from ketacare.lib.chain_signing import KeyringError, dev_keyring, parse_keyring
from ketacare.lib.env import (
    SettingError,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_secret,
    env_str,
    sqlite_database,
)
from ketacare.lib.rsa_keys import ensure_rsa_key_file, read_rsa_key_file

BASE_DIR = Path(__file__).resolve().parent
VAR_DIR = Path(env_str("KETACARE_VAR_DIR", str(BASE_DIR.parent / "var")))

DEBUG = env_bool("KETACARE_DEBUG", False)
# Demo mode: seeded demo clinic, two-factor not enforced, demo logins shown.
DEMO_MODE = env_bool("KETACARE_DEMO_MODE", False)


def _secret_key() -> str:
    key = env_secret("KETACARE_SECRET_KEY")
    if key:
        return key
    if not (DEBUG or DEMO_MODE):
        raise SettingError("KETACARE_SECRET_KEY", "is required unless KETACARE_DEBUG or KETACARE_DEMO_MODE is on")
    # Development and demo: one key per checkout, kept under var/.
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("KETACARE_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("KETACARE_CSRF_TRUSTED_ORIGINS", [])
# Behind reverse proxies: how many of them append to X-Forwarded-For; the client address is the entry
# that many places from the right (audit/context.py). The older KETACARE_TRUST_X_FORWARDED_FOR=true means one.
TRUSTED_PROXY_HOPS = env_int(
    "KETACARE_TRUSTED_PROXY_HOPS", 1 if env_bool("KETACARE_TRUST_X_FORWARDED_FOR", False) else 0, minimum=0
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "oauth2_provider",
    "corsheaders",
    # Only for its templates and static files: the API docs load Swagger UI from here, not from a CDN.
    "ninja",
    "ketacare.lib",
    "ketacare.clinics",
    "ketacare.accounts",
    "ketacare.audit",
    "ketacare.outbox",
    "ketacare.patients",
    "ketacare.inquiries",
    "ketacare.documents",
    "ketacare.candidacy",
    "ketacare.measures",
    "ketacare.protocols",
    "ketacare.consultations",
    "ketacare.scheduling",
    "ketacare.ledger",
    "ketacare.treatments",
    "ketacare.staff",
    "ketacare.rems",
    "ketacare.therapy",
    "ketacare.portal",
    "ketacare.consents",
    "ketacare.reports",
    "ketacare.billing",
    "ketacare.fhir",
    "ketacare.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise: static files keep their caching; every other response is no-store, with a CSP.
    "ketacare.lib.security_headers.SecurityHeadersMiddleware",
    # Before anything that answers on its own (CSRF, sign-in redirects): a browser app's preflight is answered
    # here, and refusals (401, 403) carry the CORS headers so the app can read them (CORS_* below).
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "ketacare.accounts.middleware.ResolvedUserMiddleware",
    "ketacare.audit.middleware.AuditContextMiddleware",
    "ketacare.accounts.middleware.StaffIdleTimeoutMiddleware",
    "ketacare.accounts.middleware.TwoFactorRequiredMiddleware",
    "ketacare.accounts.middleware.DisplayZoneMiddleware",
    # Kiosk mode (the tablet in the patient's hands): every URL but the kiosk's goes back to it.
    "ketacare.measures.kiosk.KioskMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Axes last: it turns a lockout raised during authentication into a response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "ketacare.urls"
WSGI_APPLICATION = "ketacare.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "ketacare.accounts.context_processors.navigation",
                "ketacare.measures.context_processors.safety_alert_count",
                "ketacare.clinics.context_processors.mail_problem_count",
                "ketacare.accounts.context_processors.display_zone",
            ],
        },
    },
]

_database_url = env_str("DATABASE_URL")
DATABASES = {
    "default": database_from_url(_database_url) if _database_url else sqlite_database(str(VAR_DIR / "ketacare.sqlite3"))
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, loading the organisation and home location with the user (one query).
    "ketacare.accounts.backends.UserBackend",
]
PASSWORD_HASHERS = [
    # Argon2id, OWASP's profile (19 MiB, t=2, p=1; accounts/hashers.py, docs/security.md). PBKDF2 stays so
    # that older hashes still verify (and are re-hashed with Argon2 at the next sign-in).
    "ketacare.accounts.hashers.OwaspArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
# Password and invitation links (docs/security.md, "Passwords and links"): a reset link works this long
# (Django's HMAC token, never stored), an invitation link this long (stored as SHA-256, used once).
PASSWORD_RESET_TIMEOUT = 60 * env_int("KETACARE_PASSWORD_RESET_MINUTES", 60, minimum=1)
KETACARE_INVITATION_LIFETIME = timedelta(hours=env_int("KETACARE_INVITATION_HOURS", 72, minimum=1))
# Reset requests accepted per hour for one address (email) and from one client address; more get the
# same answer and no mail (accounts/password_reset.py).
PASSWORD_RESET_ACCOUNT_LIMIT = env_int("KETACARE_PASSWORD_RESET_ACCOUNT_LIMIT", 3, minimum=1)
PASSWORD_RESET_ADDRESS_LIMIT = env_int("KETACARE_PASSWORD_RESET_ADDRESS_LIMIT", 20, minimum=1)

# Lockout after repeated failed logins (django-axes), per username.
AXES_FAILURE_LIMIT = env_int("KETACARE_LOGIN_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("KETACARE_LOGIN_LOCKOUT_MINUTES", 15, minimum=1))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Lockout protects the account, so it is keyed by username alone on purpose.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
# The client address axes records is the audit trail's (trusted proxy hops, audit/context.py).
AXES_CLIENT_IP_CALLABLE = "ketacare.audit.context.client_address"
# Password spraying: failed sign-ins per address, from axes' failure log (accounts/login_throttle.py).
AXES_ENABLE_ACCESS_FAILURE_LOG = True
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("KETACARE_LOGIN_ADDRESS_FAILURE_LIMIT", 20, minimum=1)
# A username that signed in from an address within this many days is not held by that address's limit.
LOGIN_KNOWN_ADDRESS_DAYS = env_int("KETACARE_LOGIN_KNOWN_ADDRESS_DAYS", 30, minimum=1)

# Automatic logoff (HIPAA 164.312(a)(2)(iii)): staff sessions end after this idle time.
STAFF_IDLE_TIMEOUT = timedelta(minutes=env_int("KETACARE_STAFF_IDLE_MINUTES", 15, minimum=1))
SESSION_COOKIE_AGE = 60 * 60 * 12
# Database sessions that know their user: one query loads a request's session and user (accounts/sessions.py).
SESSION_ENGINE = "ketacare.accounts.sessions"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("KETACARE_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
# Production behind HTTPS (docs/configuration.md, `ketacare check --deploy`).
SECURE_SSL_REDIRECT = env_bool("KETACARE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("KETACARE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("KETACARE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("KETACARE_HSTS_PRELOAD", False)
# Only when the proxy in front overwrites X-Forwarded-Proto: it tells Django the request came by HTTPS.
SECURE_PROXY_SSL_HEADER = (
    ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("KETACARE_TRUST_X_FORWARDED_PROTO", False) else None
)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

OTP_TOTP_ISSUER = env_str("KETACARE_OTP_ISSUER", "KetaCare")

CACHES = {
    "default": {
        # The database cache is shared by every app process, so rate limits hold
        # across workers without another service to run.
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "ketacare_cache",
    }
}
RATELIMIT_USE_CACHE = "default"
# Consultation requests accepted per client address per hour.
INQUIRY_RATE_LIMIT = env_str("KETACARE_INQUIRY_RATE_LIMIT", "10/h")

EMAIL_BACKEND = env_str("KETACARE_EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("KETACARE_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = env_int("KETACARE_EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("KETACARE_EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("KETACARE_EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("KETACARE_EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("KETACARE_EMAIL_TIMEOUT_SECONDS", 10, minimum=1)
DEFAULT_FROM_EMAIL = env_str("KETACARE_FROM_EMAIL", "KetaCare <no-reply@ketacare.local>")
# The outbox (ketacare outbox dispatch): a failed email is retried after 1, 2, 4, … minutes (at most
# 6 h apart) and marked failed for staff after this many attempts (docs/configuration.md, "Mail").
OUTBOX_MAX_ATTEMPTS = env_int("KETACARE_OUTBOX_MAX_ATTEMPTS", 8, minimum=1)
OUTBOX_RETRY_BASE_SECONDS = env_int("KETACARE_OUTBOX_RETRY_SECONDS", 60, minimum=1)
# Links in mail (an alert's "open it here") need the site's address; empty: the mail names the page.
PUBLIC_BASE_URL = env_str("KETACARE_PUBLIC_URL")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

# Patient documents (documents/): uploads up to this size; larger ones are refused while they stream in.
DOCUMENT_MAX_MB = env_int("KETACARE_DOCUMENT_MAX_MB", 20, minimum=1)
# The clinic admin's FHIR import page (fhir/imports/): the upload is checked and imported inline, in the
# request, so it is capped; bigger imports go through `ketacare import fhir` (no cap).
FHIR_IMPORT_MAX_MB = env_int("KETACARE_FHIR_IMPORT_MAX_MB", 1, minimum=1)


def _documents_storage() -> dict:
    """The "documents" storage: a directory outside the web root (served only through the documents
    app's access-checked view), or an S3-compatible bucket through django-storages when it is installed."""
    kind = env_str("KETACARE_DOCUMENTS_STORAGE", "filesystem")
    if kind == "filesystem":
        return {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {
                "location": env_str("KETACARE_DOCUMENTS_DIR", str(VAR_DIR / "documents")),
                "file_permissions_mode": 0o600,
                "directory_permissions_mode": 0o700,
            },
        }
    if kind != "s3":
        raise SettingError("KETACARE_DOCUMENTS_STORAGE", f"is {kind!r}: use filesystem or s3")
    if importlib.util.find_spec("storages") is None:
        raise SettingError(
            "KETACARE_DOCUMENTS_STORAGE",
            "is s3 but django-storages is not installed: pip install 'django-storages[s3]'",
        )
    bucket = env_str("KETACARE_DOCUMENTS_S3_BUCKET")
    if not bucket:
        raise SettingError("KETACARE_DOCUMENTS_S3_BUCKET", "is required when KETACARE_DOCUMENTS_STORAGE is s3")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": bucket,
            "endpoint_url": env_str("KETACARE_DOCUMENTS_S3_ENDPOINT_URL") or None,
            "region_name": env_str("KETACARE_DOCUMENTS_S3_REGION") or None,
            "location": env_str("KETACARE_DOCUMENTS_S3_PREFIX", "documents"),
            "default_acl": "private",
            "file_overwrite": False,
            "querystring_auth": True,
        },
    }


STORAGES["documents"] = _documents_storage()

# FHIR Bulk Data $export (fhir/bulk/): where the worker writes the NDJSON files (outside the web root, served
# only to the client that asked), and how long they are kept before the worker removes them.
BULK_EXPORT_DIR = Path(env_str("KETACARE_BULK_EXPORT_DIR", str(VAR_DIR / "bulk-exports")))
BULK_EXPORT_KEEP_HOURS = env_int("KETACARE_BULK_EXPORT_KEEP_HOURS", 24, minimum=1)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("KETACARE_LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# Appointment reminders (ketacare send_reminders): a reminder may be queued this many hours after
# its moment, never later (the outbox retries delivery until the next reminder supersedes it).
SCHEDULING_REMINDER_GRACE_HOURS = env_int("KETACARE_REMINDER_GRACE_HOURS", 6, minimum=1)

# Esketamine REMS: the Patient Monitoring Form is due within this many days of the session
# (CLINICAL.md §2); a setting because a later REMS modification is unverified.
REMS_PMF_DEADLINE_DAYS = env_int("KETACARE_REMS_PMF_DEADLINE_DAYS", 7, minimum=1)


def _chain_keyring():
    """The keys that sign the audit and ledger chains (docs/security.md): KETACARE_CHAIN_KEY or the
    file KETACARE_CHAIN_KEY_FILE, `id:secret` entries, the first one signing."""
    text = env_secret("KETACARE_CHAIN_KEY")
    if text:
        try:
            return parse_keyring(text)
        except KeyringError as exc:
            raise SettingError("KETACARE_CHAIN_KEY", str(exc)) from None
    if not (DEBUG or DEMO_MODE):
        raise SettingError("KETACARE_CHAIN_KEY", "is required unless KETACARE_DEBUG or KETACARE_DEMO_MODE is on")
    return dev_keyring(SECRET_KEY)


CHAIN_KEYRING = _chain_keyring()
# Where `audit checkpoint` / `ledger checkpoint` append and `verify` reads by default (a file or a
# directory, best on another host); empty: verify without a checkpoint unless --checkpoint is given.
CHAIN_CHECKPOINT_PATH = env_str("KETACARE_CHAIN_CHECKPOINT_PATH")

# SMART App Launch (docs/fhir.md, "SMART App Launch"): django-oauth-toolkit is the authorization server at
# /fhir/auth/. PKCE is required of every client, with S256 only; access tokens last an hour; refresh tokens
# (offline_access / online_access) this many days, rotated at each use.
OAUTH2_PROVIDER_APPLICATION_MODEL = "oauth2_provider.Application"
OAUTH2_PROVIDER_ACCESS_TOKEN_MODEL = "oauth2_provider.AccessToken"
OAUTH2_PROVIDER_REFRESH_TOKEN_MODEL = "oauth2_provider.RefreshToken"
OAUTH2_PROVIDER_GRANT_MODEL = "oauth2_provider.Grant"
OAUTH2_PROVIDER_ID_TOKEN_MODEL = "oauth2_provider.IDToken"


def _oidc_rsa_private_key() -> str:
    """The RSA key that signs SMART apps' OpenID Connect id_tokens (`openid fhirUser`): the PEM file
    KETACARE_OIDC_RSA_KEY_FILE; in debug and demo mode one made under var/. Without one, in production,
    apps are not offered `openid`/`fhirUser` (docs/configuration.md)."""
    file_name = env_str("KETACARE_OIDC_RSA_KEY_FILE")
    if file_name:
        return read_rsa_key_file("KETACARE_OIDC_RSA_KEY_FILE", Path(file_name))
    if DEBUG or DEMO_MODE:
        # Made at its first use, so a command that signs nothing (the pure ones) writes nothing under var/.
        return lazy(partial(ensure_rsa_key_file, VAR_DIR / "oidc_rsa_key.pem"), str)()
    return ""


OIDC_RSA_PRIVATE_KEY = _oidc_rsa_private_key()
_SMART_ACCESS_TOKEN_SECONDS = 60 * env_int("KETACARE_SMART_ACCESS_TOKEN_MINUTES", 60, minimum=1)
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": _SMART_ACCESS_TOKEN_SECONDS,
    "REFRESH_TOKEN_EXPIRE_SECONDS": 24 * 3600 * env_int("KETACARE_SMART_REFRESH_TOKEN_DAYS", 30, minimum=1),
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "PKCE_REQUIRED": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "ROTATE_REFRESH_TOKEN": True,
    # OAuth 2.0 Security BCP (RFC 9700): tokens only in the Authorization header, `iss` in the authorization
    # response, tokens kept as hashes, a replayed refresh token revokes its whole family.
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    # Redirects to https only; http only where the operator allows it (a native app's loopback callback,
    # RFC 8252, or a test server).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"]
    if env_bool("KETACARE_SMART_ALLOW_HTTP_REDIRECTS", False)
    else ["https"],
    # The consent screen is shown every time: an app cannot skip it with approval_prompt=auto.
    "REQUEST_APPROVAL_PROMPT": "force",
    "OAUTH2_VALIDATOR_CLASS": "ketacare.fhir.smart.oauth.SmartValidator",
    "SCOPES_BACKEND_CLASS": "ketacare.fhir.smart.oauth.SmartScopes",
    # OpenID Connect for SMART's `openid fhirUser`: RS256 id_tokens, the issuer being the FHIR base URL
    # (fhir/smart/oauth.py), the public key at /fhir/.well-known/jwks.json.
    "OIDC_ENABLED": isinstance(OIDC_RSA_PRIVATE_KEY, Promise) or bool(OIDC_RSA_PRIVATE_KEY),
    "OIDC_RSA_PRIVATE_KEY": OIDC_RSA_PRIVATE_KEY,
    "ID_TOKEN_EXPIRE_SECONDS": _SMART_ACCESS_TOKEN_SECONDS,
}

# CORS for browser-based SMART apps (django-cors-headers; fhir/smart/cors.py decides): /fhir/ (but the
# authorize page, a full-page redirect) and the discovery documents answer cross-origin requests from the
# origin of a registered app's redirect URI (the discovery documents and the JWKS from any origin). Bearer
# tokens only: never credentials (cookies), so no signed-in page is ever readable from another site.
CORS_URLS_REGEX = r"^/(fhir/(?!auth/authorize)|\.well-known/(smart-configuration|openid-configuration)$)"
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "POST", "DELETE", "OPTIONS"]
CORS_ALLOW_HEADERS = ["accept", "authorization", "content-type", "prefer"]
# What FHIR clients read: a bulk kick-off's status URL, its progress and when to ask again, a created resource.
CORS_EXPOSE_HEADERS = ["content-location", "x-progress", "retry-after", "location"]
CORS_PREFLIGHT_MAX_AGE = 3600
