"""Forgotten passwords: Django's reset tokens, mailed through the outbox, with rate limits.

The link carries Django's HMAC token (PasswordResetTokenGenerator): nothing is stored, it expires after
PASSWORD_RESET_TIMEOUT and stops working once the password changes (or the user signs in). The page
answers the same whether or not the address belongs to an account, so it tells nobody who has one;
requests are limited per address asked for (PASSWORD_RESET_ACCOUNT_LIMIT an hour, beyond it silently
no mail) and per client address (PASSWORD_RESET_ADDRESS_LIMIT an hour, beyond it the page says to wait).
Counters live in Django's cache, the database cache shared by every worker (settings.CACHES).
"""

import hashlib

from django.conf import settings
from django.contrib.auth.forms import PasswordResetForm, SetPasswordForm
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse

from ketacare.accounts.actions import do_reset_password
from ketacare.audit.actions import record_event
from ketacare.audit.context import client_address
from ketacare.audit.models import AuditAction
from ketacare.outbox.actions import enqueue_email
from ketacare.outbox.models import MailKind

WINDOW_SECONDS = 60 * 60


def _count(key: str) -> int:
    """This hour's count for `key`, this request included."""
    cache.add(key, 0, timeout=WINDOW_SECONDS)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=WINDOW_SECONDS)
        return 1


def client_over_limit(request) -> bool:
    """True when this client address asked for more resets this hour than PASSWORD_RESET_ADDRESS_LIMIT."""
    address = client_address(request) or "unknown"
    return _count(f"password-reset:client:{address}") > settings.PASSWORD_RESET_ADDRESS_LIMIT


def _account_over_limit(email: str) -> bool:
    # Hashed, so the cache holds no address in the clear.
    digest = hashlib.sha256(email.strip().lower().encode()).hexdigest()
    return _count(f"password-reset:account:{digest}") > settings.PASSWORD_RESET_ACCOUNT_LIMIT


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's form, sending through the outbox (no mail inside a request) in one transaction."""

    def save(self, *args, request=None, **kwargs):
        # Counted before anyone is looked up, so an unknown address costs the same as a known one.
        if _account_over_limit(self.cleaned_data["email"]):
            return
        self._request = request
        with transaction.atomic():
            super().save(*args, request=request, **kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        user = context["user"]
        if user.organisation is None:  # no clinic to send as: such accounts are set up by command
            return
        path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": context["uid"], "token": context["token"]})
        base = settings.PUBLIC_BASE_URL.rstrip("/") or f"{context['protocol']}://{context['domain']}"
        minutes = settings.PASSWORD_RESET_TIMEOUT // 60
        body = (
            f"Hello {user.first_name or user.get_username()},\n\n"
            f"Someone asked to reset the KetaCare password of {user.get_username()} at {user.organisation.name}.\n"
            f"To choose a new password, open this link within {minutes} minutes (it works once):\n\n"
            f"{base}{path}\n\n"
            "If it was not you, ignore this email: your password stays as it is.\n"
        )
        enqueue_email(
            user.organisation,
            to_email,
            "Reset your KetaCare password",
            body,
            kind=MailKind.PASSWORD_RESET,
            reference=f"accounts.user:{user.pk}",
        )
        record_event(
            None,
            AuditAction.SECURITY,
            user,
            organisation=user.organisation,
            detail={"event": "password_reset_requested"},
            source_address=client_address(self._request) if self._request is not None else None,
        )


class ResetSetPasswordForm(SetPasswordForm):
    """The new password from a reset link, saved by the action (all sessions end, audited)."""

    def save(self, commit=True):
        return do_reset_password(self.user, new_password=self.cleaned_data["new_password1"])
