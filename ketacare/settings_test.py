"""Settings for the test suite: production settings with a throwaway secret key."""

import os
import tempfile

os.environ.setdefault("KETACARE_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("KETACARE_CHAIN_KEY", "test:test-only-chain-key-not-for-production-0123456789")
# Invitation links in mail are absolute (accounts/invitations.py).
os.environ.setdefault("KETACARE_PUBLIC_URL", "http://testserver")
# SMART apps in the tests redirect to the http live server.
os.environ.setdefault("KETACARE_SMART_ALLOW_HTTP_REDIRECTS", "true")
# Uploaded documents go to a throwaway directory, never to the working tree's var/.
os.environ.setdefault("KETACARE_DOCUMENTS_DIR", tempfile.mkdtemp(prefix="ketacare-test-documents-"))

from ketacare.settings import *  # noqa: F403

# WhiteNoise serves from the finders in tests; there is no collected static root.
STATIC_ROOT = None
