import time
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import LazyObject, empty
from django.utils.http import urlencode

from ketacare.accounts.domain.roles import requires_two_factor
from ketacare.lib.zones import zone_of_user

_LAST_SEEN_KEY = "last_seen_at"
# The idle clock is written into the session at most this often, so that a signed-in read does not
# UPDATE the session row on every request (issue 19). The price: a session may end up to this long
# before STAFF_IDLE_TIMEOUT of true idleness, never after it.
LAST_SEEN_WRITE_EVERY_SECONDS = 60
# How long the session remembers that its user has no confirmed two-factor device (has_confirmed_device).
NO_DEVICE_RECHECK_SECONDS = 60
_NO_DEVICE_CHECKED_KEY = "two_factor_no_device_checked"
# Sent by pages that refresh themselves (the session chart's prompts, every 30 s): such a request is
# not the user doing anything, so it does not keep an idle session alive. A forged header can only
# make a session end sooner.
POLL_HEADER = "X-KetaCare-Poll"


def idle_past_logoff(user, session_data, now: float) -> bool:
    """A staff member's session (its data) idle longer than STAFF_IDLE_TIMEOUT at `now` (time.time()): the
    middleware below ends it at its next request, and what it authorized (a SMART app's online_access) ends
    with it even before that request."""
    last_seen = session_data.get(_LAST_SEEN_KEY)
    return (
        user.is_staff_member and last_seen is not None and now - last_seen > settings.STAFF_IDLE_TIMEOUT.total_seconds()
    )


class ResolvedUserMiddleware:
    """request.user as the user itself, no longer behind the two lazy wrappers Django's and django_otp's
    middleware put it in: every later `request.user.x` (middleware, permission checks, views, context processors,
    templates: about a hundred a page) went through both proxies at 2-4 µs each (issue 19). The user is resolved
    here, where the next middleware would resolve it anyway; login() and logout() still replace it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        while isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()  # django_otp's wrapper also sets is_verified and otp_device here
            user = user._wrapped
        request.user = user
        return self.get_response(request)


class StaffIdleTimeoutMiddleware:
    """Automatic logoff: a staff session idle longer than STAFF_IDLE_TIMEOUT ends. Automatic refreshes
    (POLL_HEADER) do not count as activity."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff_member:
            now = time.time()
            last_seen = request.session.get(_LAST_SEEN_KEY)
            if idle_past_logoff(user, request.session, now):
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                return _to_login(request)
            if last_seen is None or (
                not request.headers.get(POLL_HEADER) and now - last_seen >= LAST_SEEN_WRITE_EVERY_SECONDS
            ):
                request.session[_LAST_SEEN_KEY] = now
        return self.get_response(request)


def _to_login(request):
    # The login page says why (idle=1): this runs before MessageMiddleware, so django.contrib.messages
    # is not available yet.
    if request.headers.get("HX-Request"):
        # An htmx request (a poll) would swap the login page into a fragment: send the whole page there.
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        back_to = f"{current.path}?{current.query}" if current.query else current.path or "/"
        query = urlencode({"next": back_to, "idle": "1"})
        return HttpResponse(status=204, headers={"HX-Redirect": f"{reverse('accounts:login')}?{query}"})
    query = urlencode({"next": request.get_full_path(), "idle": "1"})
    return redirect(f"{reverse('accounts:login')}?{query}")


class TwoFactorRequiredMiddleware:
    """Staff who must use (or have set up) two-factor finish it before anything else.

    A user with a confirmed TOTP device always verifies it; prescribers and
    clinic admins without one are sent to set one up (unless demo mode).
    """

    # The sign-in steps themselves; every other /accounts/ page (API tokens) needs two-factor done.
    EXEMPT_PREFIXES = (
        "/accounts/login/",
        "/accounts/logout/",
        "/accounts/verify/",
        "/accounts/two-factor/",
        "/static/",
        "/c/",
        "/api/",
    )

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith(self.EXEMPT_PREFIXES) and not user.is_verified():
            if has_confirmed_device(request):
                # Quoted: a next address with its own query (an OAuth authorize request) must come back whole.
                return redirect(f"{reverse('accounts:verify')}?next={quote(request.get_full_path(), safe='/')}")
            # A clinic may require it of its patients too (Organisation.patients_require_two_factor).
            patient_must = user.is_patient and user.organisation_id and user.organisation.patients_require_two_factor
            if not settings.DEMO_MODE and (requires_two_factor(user.role, demo_mode=False) or patient_must):
                return redirect(reverse("accounts:two_factor_setup"))
        return self.get_response(request)


def has_confirmed_device(request) -> bool:
    """Whether the signed-in user has a confirmed two-factor device, read from the device tables at most
    once a minute per session for a user who has none (every page of a nurse without 2FA asked it before).

    Only "no confirmed device" is kept, and only for NO_DEVICE_RECHECK_SECONDS, because that is the answer
    that cannot let anyone skip a step:
    - an admin's two-factor reset deletes devices: it makes "no device" truer. A session that was
      verified is unverified at its next request anyway (django_otp's middleware reloads the session's
      device by id on every request and finds it gone), and a role that must use two-factor is then sent
      to set it up whatever this says (requires_two_factor does not depend on it);
    - a device is confirmed on the two-factor setup page, which verifies the session that confirmed it
      (no lookup needed there); any other session of the same user asks for it within a minute;
    - "has a device" is not kept: after a reset it would send the user to verify a device that is gone.
    Deactivation does not pass through here: the user is reloaded from the database on every request
    and an inactive one is signed out by the authentication backend.
    """
    from django_otp import user_has_device

    user = request.user
    checked = request.session.get(_NO_DEVICE_CHECKED_KEY)
    now = time.time()
    if checked is not None and checked[0] == user.pk and 0 <= now - checked[1] < NO_DEVICE_RECHECK_SECONDS:
        return False
    if user_has_device(user, confirmed=True):
        request.session.pop(_NO_DEVICE_CHECKED_KEY, None)
        return True
    request.session[_NO_DEVICE_CHECKED_KEY] = [user.pk, now]
    return False


class DisplayZoneMiddleware:
    """Every page shows its times in the viewer's zone unless its view chooses another (ketacare/lib/zones.py):
    a page about one location calls show_times_in(location.zone)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        timezone.activate(zone_of_user(getattr(request, "user", None)))
        try:
            return self.get_response(request)
        finally:
            # A worker thread serves the next request with whatever was active: start it from UTC.
            timezone.deactivate()
