"""Settings for the test suite: production settings with a throwaway secret key."""

import os

os.environ.setdefault("KETACARE_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("KETACARE_CHAIN_KEY", "test:test-only-chain-key-not-for-production-0123456789")

from ketacare.settings import *  # noqa: F403

# WhiteNoise serves from the finders in tests; there is no collected static root.
STATIC_ROOT = None
