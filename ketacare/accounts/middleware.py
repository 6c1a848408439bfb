import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from ketacare.accounts.domain.roles import requires_two_factor

_LAST_SEEN_KEY = "last_seen_at"


class StaffIdleTimeoutMiddleware:
    """Automatic logoff: a staff session idle longer than STAFF_IDLE_TIMEOUT ends."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and user.is_staff_member:
            now = time.time()
            last_seen = request.session.get(_LAST_SEEN_KEY)
            if last_seen is not None and now - last_seen > settings.STAFF_IDLE_TIMEOUT.total_seconds():
                logout(request)
                if request.path.startswith("/api/"):
                    return self.get_response(request)
                # The login page says why (idle=1): this runs before MessageMiddleware,
                # so django.contrib.messages is not available yet.
                query = urlencode({"next": request.get_full_path(), "idle": "1"})
                return redirect(f"{reverse('accounts:login')}?{query}")
            request.session[_LAST_SEEN_KEY] = now
        return self.get_response(request)


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
            from django_otp import user_has_device

            if user_has_device(user, confirmed=True):
                return redirect(f"{reverse('accounts:verify')}?next={request.get_full_path()}")
            if requires_two_factor(user.role, demo_mode=settings.DEMO_MODE):
                return redirect(reverse("accounts:two_factor_setup"))
        return self.get_response(request)
