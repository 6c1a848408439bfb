"""Logins, logouts and failed logins go to the audit trail."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from ketacare.audit.actions import record_event
from ketacare.audit.context import client_address
from ketacare.audit.models import AuditAction


def _address(request):
    return client_address(request) if request is not None else None


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    record_event(user, AuditAction.LOGIN, user, source_address=_address(request))


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        record_event(user, AuditAction.LOGOUT, user, source_address=_address(request))


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    known = get_user_model().objects.filter(username=username).first()
    record_event(
        None,
        AuditAction.LOGIN_FAILED,
        known,
        organisation=getattr(known, "organisation", None),
        object_type="accounts.user",
        detail={"username": username},
        source_address=_address(request),
    )
