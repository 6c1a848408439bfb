"""Settings for the test suite: production settings with a throwaway secret key."""

import os

from ketacare.lib.rsa_keys import ensure_rsa_key_file
from ketacare.testing.throwaway import throwaway_directory

os.environ.setdefault("KETACARE_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("KETACARE_CHAIN_KEY", "test:test-only-chain-key-not-for-production-0123456789")
# Invitation links in mail are absolute (accounts/invitations.py).
os.environ.setdefault("KETACARE_PUBLIC_URL", "http://testserver")
# SMART apps in the tests redirect to the http live server.
os.environ.setdefault("KETACARE_SMART_ALLOW_HTTP_REDIRECTS", "true")
# Uploaded documents go to a throwaway directory, never to the working tree's var/.
if not os.environ.get("KETACARE_DOCUMENTS_DIR"):
    os.environ["KETACARE_DOCUMENTS_DIR"] = str(throwaway_directory("ketacare-test-documents-"))
# SMART apps' OpenID Connect id_tokens are signed with a key made for this run (commands the tests start share it).
if not os.environ.get("KETACARE_OIDC_RSA_KEY_FILE"):
    _oidc_key_file = throwaway_directory("ketacare-test-oidc-") / "oidc_rsa_key.pem"
    ensure_rsa_key_file(_oidc_key_file)
    os.environ["KETACARE_OIDC_RSA_KEY_FILE"] = str(_oidc_key_file)

from ketacare.settings import *  # noqa: F403

# WhiteNoise serves from the finders in tests; there is no collected static root.
STATIC_ROOT = None
