"""Authentication for the REST API: bearer tokens, or a fully signed-in session."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from ketacare.accounts.domain.roles import requires_two_factor
from ketacare.accounts.middleware import has_confirmed_device
from ketacare.accounts.models import ApiToken
from ketacare.lib.fixed_reads import FixedRead

# A token's last use is shown to the minute; stamping it on every call made every API read a write.
LAST_USED_RESOLUTION = timedelta(minutes=1)

# Every API call runs this read, and building its SQL from the queryset cost more than the database's answer
# (about half of a refused call's time: issue 19): it is built once per connection, asked afresh every call.
_ACTIVE_TOKEN = FixedRead(
    ApiToken,
    lambda token_sha256: (
        ApiToken.objects.active().select_related("user", "user__organisation").filter(token_sha256=token_sha256)
    ),
    token_sha256=str,
)


class ApiTokenAuth(HttpBearer):
    def authenticate(self, request, token: str):
        tokens = _ACTIVE_TOKEN.models(token_sha256=ApiToken.hash(token))  # token_sha256 is unique: one or none
        api_token = tokens[0] if tokens else None
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
