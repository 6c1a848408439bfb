"""Settings for bench/load.py only: the product's settings plus the bare endpoints and a query counter.

Never used by the product: bench/load.py serves the app with DJANGO_SETTINGS_MODULE=load_settings and
bench/ on the path. The bare endpoints live in load_urls.py, in front of the product's URLs.
"""

from ketacare.settings import *  # noqa: F403
from ketacare.settings import MIDDLEWARE

ROOT_URLCONF = "load_urls"
# Outermost, so that the count includes every middleware's queries (session, user, two-factor, audit).
MIDDLEWARE = ["load_urls.QueryCountMiddleware", *MIDDLEWARE]
