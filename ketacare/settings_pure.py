"""Settings for the pure commands (ketacare/cli.py: PURE_COMMANDS), which run with no configuration.

They compute on their arguments and files only: they sign nothing, so the signing key is a
throwaway one made for this process, and they read no database, so there is none (Django's dummy
backend), and a command that tried to use one would fail instead of quietly creating var/'s SQLite
file. Every other command uses ketacare/settings.py, which requires KETACARE_SECRET_KEY.
"""

import os
import secrets

os.environ.setdefault("KETACARE_SECRET_KEY", secrets.token_urlsafe(50))
os.environ.setdefault("KETACARE_CHAIN_KEY", f"pure:{secrets.token_urlsafe(50)}")

from ketacare.settings import *  # noqa: F403

DATABASES = {}
