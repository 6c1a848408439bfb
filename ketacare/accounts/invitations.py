"""Invitation links and ending someone's access: primitives the staff and portal-account actions share.

No permission checks and no audit here: the callers (accounts.actions for staff, the portal accounts
for patients) check who may do it and record the event in the same transaction.

An invitation's secret travels only in the mailed link; the database keeps its SHA-256, so a copy of
the database opens no account. A link works once, until KETACARE_INVITATION_HOURS have passed, and only
while it is the newest one for its user and purpose (docs/security.md, "Passwords and links").
"""

import secrets

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.models import ApiToken, Invitation, InvitationPurpose, User, UserSession, hash_secret
from ketacare.lib.ids import db_id_or_zero

# Where links point when KETACARE_PUBLIC_URL is not set in a debug or demo installation (`make run`).
LOCAL_BASE_URL = "http://localhost:8000"

_ACCEPT_PAGES = {
    InvitationPurpose.STAFF: "accounts:accept_invitation",
    InvitationPurpose.PATIENT: "portal_accounts:activate",
}


def _open(queryset):
    return queryset.filter(used_at__isnull=True, revoked_at__isnull=True)


def issue_invitation(user: User, *, purpose: str, created_by: User | None) -> str:
    """A new invitation for `user`; earlier open ones of the same purpose stop working. Returns the secret."""
    purpose = InvitationPurpose(purpose)
    now = timezone.now()
    _open(Invitation.objects.filter(user=user, purpose=purpose)).update(revoked_at=now)
    secret = secrets.token_urlsafe(32)  # 32 random bytes
    Invitation.objects.create(
        user=user,
        purpose=purpose,
        token_sha256=hash_secret(secret),
        created_by=created_by,
        created_at=now,
        expires_at=now + settings.KETACARE_INVITATION_LIFETIME,
    )
    return secret


def public_base_url() -> str:
    """The site's address for links in mail, without a trailing slash."""
    base = settings.PUBLIC_BASE_URL or (LOCAL_BASE_URL if settings.DEBUG or settings.DEMO_MODE else "")
    if not base:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: "Links in mail need the site's address: set KETACARE_PUBLIC_URL (docs/configuration.md)."
            }
        )
    return base.rstrip("/")


def invitation_url(secret: str, *, purpose: str) -> str:
    """The absolute link to the page where the invitation is accepted."""
    path = reverse(_ACCEPT_PAGES[InvitationPurpose(purpose)], kwargs={"secret": secret})
    return f"{public_base_url()}{path}"


def open_invitation(secret: str, *, purpose: str) -> Invitation:
    """The invitation behind `secret`, locked for update, if it can still be used; otherwise a
    ValidationError on "token" that says plainly why not."""
    invitation = (
        Invitation.objects.select_for_update()
        .select_related("user")
        .filter(token_sha256=hash_secret(str(secret)), purpose=InvitationPurpose(purpose))
        .first()
    )
    if invitation is None:
        raise ValidationError(
            {"token": "This invitation link is not valid. Check that you opened the whole link from the email."}
        )
    if invitation.used_at is not None:
        raise ValidationError(
            {
                "token": "This invitation link was already used. Sign in with the password you set, "
                "or use “Forgot your password?” on the sign-in page."
            }
        )
    if invitation.revoked_at is not None:
        newer = Invitation.objects.filter(
            user_id=invitation.user_id, purpose=invitation.purpose, pk__gt=invitation.pk
        ).exists()
        if newer:
            raise ValidationError(
                {"token": "This invitation link was replaced by a newer one. Use the link in the most recent email."}
            )
        raise ValidationError({"token": "This invitation was withdrawn. Ask your clinic if you need access."})
    if invitation.expires_at <= timezone.now():
        raise ValidationError({"token": "This invitation link has expired. Ask your clinic to send a new one."})
    return invitation


def use_invitation(invitation: Invitation) -> None:
    """Mark the invitation used: the link never works again."""
    invitation.used_at = timezone.now()
    invitation.save(update_fields=["used_at"])


def invitation_still_wanted(reference: str) -> str:
    """The outbox's delivery check for invitation mail ("accounts.user:<id>"): "" while the user still has
    a usable invitation, else why the mail is dropped (withdrawn, accepted or expired before it went out)."""
    user_id = reference.removeprefix("accounts.user:")
    user_id = db_id_or_zero(int(user_id)) if user_id.isdecimal() else 0
    usable = _open(Invitation.objects.filter(user_id=user_id, expires_at__gt=timezone.now()))
    return "" if usable.exists() else "the invitation is no longer open"


def end_sessions(user: User, *, keep_session_key: str | None = None) -> int:
    """Delete `user`'s unexpired sessions (all but `keep_session_key`), so an open browser is signed out
    at its next request. Returns how many ended."""
    sessions = UserSession.objects.filter(user=user, expire_date__gt=timezone.now())
    if keep_session_key is not None:
        sessions = sessions.exclude(session_key=keep_session_key)
    ended, _ = sessions.delete()
    return ended


def end_access(user: User) -> None:
    """Stop `user` at once: inactive, API tokens revoked, sessions ended, open invitations withdrawn.
    Calendar feeds refuse an inactive owner (scheduling/selectors/feeds.py)."""
    now = timezone.now()
    user.is_active = False
    user.save(update_fields=["is_active"])
    ApiToken.objects.active().filter(user=user).update(revoked_at=now)
    _open(Invitation.objects.filter(user=user)).update(revoked_at=now)
    end_sessions(user)
