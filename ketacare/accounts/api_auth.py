"""Authentication for the REST API: bearer tokens, or a fully signed-in session."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from ketacare.accounts.domain.roles import requires_two_factor
from ketacare.accounts.middleware import has_confirmed_device
from ketacare.accounts.models import ApiToken

# A token's last use is shown to the minute; stamping it on every call made every API read a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        api_token = (
            ApiToken.objects.active()
            .select_related("user", "user__organisation")
            .filter(token_sha256=ApiToken.hash(token))
            .first()
        )
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at >= LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.user = api_token.user
        return api_token.user


class SessionAuth(NinjaSessionAuth):
    """A browser session counts only once its two-factor step is done, as for pages."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or user.is_verified():
            return user
        if has_confirmed_device(request) or requires_two_factor(user.role, demo_mode=settings.DEMO_MODE):
            return None
        return user
