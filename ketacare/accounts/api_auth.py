"""Authentication for the REST API: bearer tokens, or a fully signed-in session."""

from django.conf import settings
from django.utils import timezone
from django_otp import user_has_device
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from ketacare.accounts.domain.roles import requires_two_factor
from ketacare.accounts.models import ApiToken


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
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=timezone.now())
        request.user = api_token.user
        return api_token.user


class SessionAuth(NinjaSessionAuth):
    """A browser session counts only once its two-factor step is done, as for pages."""

    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is None or user.is_verified():
            return user
        if user_has_device(user, confirmed=True) or requires_two_factor(user.role, demo_mode=settings.DEMO_MODE):
            return None
        return user
