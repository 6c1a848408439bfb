"""Writes to accounts: REST API tokens, display preferences, staff management (invite, change, deactivate,
unlock, reset two-factor) and passwords. Security changes are audited as SECURITY events with an "event"."""

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp import devices_for_user

from ketacare.accounts.domain.roles import STAFF_ROLES, Permission, Role
from ketacare.accounts.invitations import (
    end_access,
    end_sessions,
    invitation_url,
    issue_invitation,
    open_invitation,
    use_invitation,
)
from ketacare.accounts.models import ApiToken, InvitationPurpose, User
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason, clean_text
from ketacare.lib.zones import is_known_zone
from ketacare.outbox.actions import enqueue_email
from ketacare.outbox.models import MailKind


@transaction.atomic
def do_create_api_token(actor, name: str) -> tuple[ApiToken, str]:
    """A new bearer token for `actor`; the secret is returned once and only its SHA-256 is kept.

    A bearer token skips two-factor sign-in (docs/api.md), so a clinic may require that tokens be
    created only from a session that completed it (Organisation.api_tokens_require_two_factor)."""
    require_permission(actor, Permission.API_TOKEN_MANAGE)
    # `is_verified` is what django-otp's middleware puts on the request's user; any other caller
    # (a command, a script) has no verified session.
    verified = getattr(actor, "is_verified", None)
    organisation = actor.organisation
    if organisation is not None and organisation.api_tokens_require_two_factor and not (verified and verified()):
        raise ValidationError(
            {
                NON_FIELD_ERRORS: "Your clinic allows API tokens only from a two-factor sign-in: set up two-factor "
                "sign-in (or sign in again with it), then create the token."
            }
        )
    secret = ApiToken.new_secret()
    token = ApiToken(
        user=actor,
        name=name.strip(),
        token_sha256=ApiToken.hash(secret),
        prefix=secret[: ApiToken._meta.get_field("prefix").max_length],
    )
    token.full_clean()
    token.save(force_insert=True)
    record_event(
        actor,
        AuditAction.SECURITY,
        token,
        detail={"event": "api_token_created", "name": token.name, "prefix": token.prefix},
    )
    return token, secret


@transaction.atomic
def do_revoke_api_token(actor, token_id: int) -> ApiToken:
    """Revoke one of the actor's own tokens (another user's token is a 404)."""
    require_permission(actor, Permission.API_TOKEN_MANAGE)
    token = get_object_or_404(ApiToken.objects.select_for_update(), pk=token_id, user=actor)
    if token.revoked_at is not None:
        raise ValidationError({"token": "This token was already revoked."})
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record_event(
        actor,
        AuditAction.SECURITY,
        token,
        detail={"event": "api_token_revoked", "name": token.name, "prefix": token.prefix},
    )
    return token


@transaction.atomic
def do_set_display_preferences(actor, *, time_zone: str, home_location_id: int | None) -> None:
    """The zone the actor's pages show times in (blank: their home location's) and, for staff, the
    location they work at (their calendar, leave and day list follow it). See ketacare/lib/zones.py."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Sign in first")
    time_zone = time_zone.strip()
    if time_zone and not is_known_zone(time_zone):
        raise ValidationError({"time_zone": "Choose a time zone from the list (e.g. America/Los_Angeles)."})
    home = None
    if home_location_id is not None:
        if not actor.is_staff_member or actor.organisation is None:
            raise ValidationError({"home_location": "Only clinic staff have a home location."})
        # Through the relation, not the model: accounts sits below clinics (ARCHITECTURE.md, floors).
        home = actor.organisation.locations.filter(pk=home_location_id, is_active=True).first()
        if home is None:
            raise ValidationError({"home_location": "Choose one of your clinic's locations."})
    before = {"time_zone": actor.time_zone, "home_location": actor.home_location_id}
    actor.time_zone = time_zone
    actor.home_location = home
    actor.save(update_fields=["time_zone", "home_location"])
    after = {"time_zone": actor.time_zone, "home_location": actor.home_location_id}
    if before != after:
        record_event(actor, AuditAction.UPDATE, actor, detail={"event": "display_preferences", **after})


# --- Staff management (clinic admin; issue 15). Each change is a SECURITY audit entry with an "event". ---


def _db_id(value: object) -> int:
    # Ids from a form's choices arrive as digit strings.
    return db_id_or_zero(int(value) if isinstance(value, str) and value.isdecimal() else value)


def _staff_member_for_update(actor, user_id) -> User:
    """A staff member of the actor's organisation, locked; anyone else (another clinic, a patient, no such
    id) is a 404, the same as an id that does not exist."""
    require_permission(actor, Permission.STAFF_MANAGE)
    return get_object_or_404(
        User.objects.select_for_update(),
        pk=_db_id(user_id),
        organisation_id=actor.organisation_id,
        role__in=STAFF_ROLES,
    )


def _refuse_losing_last_admin(member: User, *, field: str) -> None:
    """A clinic keeps at least one active clinic admin: nobody else can manage its staff."""
    if member.role != Role.CLINIC_ADMIN or not member.is_active:
        return
    # Lock every active admin of the organisation, so two admins demoting each other at once cannot both pass.
    admins = list(
        User.objects.select_for_update()
        .filter(organisation_id=member.organisation_id, role=Role.CLINIC_ADMIN, is_active=True)
        .values_list("pk", flat=True)
    )
    if admins == [member.pk]:
        raise ValidationError(
            {
                field: f"{member.display_name} is the clinic's last active clinic admin. "
                "Make someone else a clinic admin first."
            }
        )


def _staff_role(value: object) -> Role:
    try:
        role = Role(str(value))
    except ValueError:
        role = None
    if role not in STAFF_ROLES:
        raise ValidationError({"role": "Choose a staff role."})
    return role


def _work_locations(actor, location_ids, home_location_id) -> tuple[list, object]:
    """The actor's organisation's active locations named by id, and the home location among them."""
    ids = {_db_id(value) for value in location_ids}
    # Through the relation, not the model: accounts sits below clinics (ARCHITECTURE.md, floors).
    active = actor.organisation.locations.filter(is_active=True)
    locations = list(active.filter(pk__in=ids))
    if len(locations) != len(ids):
        raise ValidationError({"locations": "Choose locations of your clinic."})
    home = None
    if home_location_id not in (None, ""):
        home = active.filter(pk=_db_id(home_location_id)).first()
        if home is None or (locations and home not in locations):
            raise ValidationError({"home_location": "Choose one of the locations they work at."})
    return locations, home


def _mail_staff_invitation(member: User, secret: str, *, invited_by: User) -> None:
    organisation = member.organisation
    link = invitation_url(secret, purpose=InvitationPurpose.STAFF)
    hours = int(settings.KETACARE_INVITATION_LIFETIME.total_seconds() // 3600)
    body = (
        f"Hello {member.first_name or member.display_name},\n\n"
        f"{invited_by.display_name} invites you to KetaCare at {organisation.name} as {member.role_label}.\n"
        f"Your username is {member.username}. Choose your password here (the link works once, "
        f"for {hours} hours):\n\n{link}\n\n"
        "If you did not expect this email, ignore it; nothing happens without the link.\n"
    )
    enqueue_email(
        organisation,
        member.email,
        f"Your KetaCare account at {organisation.name}",
        body,
        kind=MailKind.INVITATION,
        reference=f"accounts.user:{member.pk}",
    )


@transaction.atomic
def do_invite_staff(
    actor,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    title: str = "",
    location_ids=(),
    home_location_id=None,
) -> User:
    """A new staff member, inactive until they accept the mailed invitation (one-time, expiring link)."""
    require_permission(actor, Permission.STAFF_MANAGE)
    email = clean_text("email", email, required=True, max_chars=254).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    first_name = clean_text("first_name", first_name, required=True, max_chars=150)
    last_name = clean_text("last_name", last_name, required=True, max_chars=150)
    title = clean_text("title", title, max_chars=80)
    role = _staff_role(role)
    locations, home = _work_locations(actor, location_ids, home_location_id)
    if (
        User.objects.filter(username__iexact=email).exists()
        or User.objects.filter(organisation_id=actor.organisation_id, email__iexact=email).exists()
    ):
        raise ValidationError({"email": "Someone with this email address already has an account."})
    member = User(
        username=email,
        email=email,
        first_name=first_name,
        last_name=last_name,
        title=title,
        role=role.value,
        organisation=actor.organisation,
        home_location=home,
        is_active=False,
    )
    member.set_unusable_password()
    member.save()
    member.work_locations.set(locations)
    secret = issue_invitation(member, purpose=InvitationPurpose.STAFF, created_by=actor)
    _mail_staff_invitation(member, secret, invited_by=actor)
    record_event(
        actor,
        AuditAction.SECURITY,
        member,
        detail={
            "event": "staff_invited",
            "role": member.role,
            "locations": sorted(location.pk for location in locations),
            "home_location": member.home_location_id,
        },
    )
    return member


@transaction.atomic
def do_resend_invitation(actor, user_id) -> User:
    """A new invitation link for someone who has not accepted yet; the earlier link stops working."""
    member = _staff_member_for_update(actor, user_id)
    if member.has_usable_password():
        raise ValidationError({"user": f"{member.display_name} already accepted the invitation."})
    if not member.invitations.filter(purpose=InvitationPurpose.STAFF).exists():
        raise ValidationError({"user": f"{member.display_name} was never invited."})
    secret = issue_invitation(member, purpose=InvitationPurpose.STAFF, created_by=actor)
    _mail_staff_invitation(member, secret, invited_by=actor)
    record_event(actor, AuditAction.SECURITY, member, detail={"event": "staff_invitation_resent"})
    return member


def check_new_password(user: User, password: object, password_again: object, *, field: str, again_field: str) -> str:
    """`password`, typed twice alike and passing Django's validators for `user`; errors on the fields named."""
    if not isinstance(password, str) or not password:
        raise ValidationError({field: "Choose a password."})
    if password != password_again:
        raise ValidationError({again_field: "The two passwords differ. Type the same password twice."})
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    return password


@transaction.atomic
def do_accept_staff_invitation(secret: str, *, password: str, password_again: str) -> User:
    """The invited staff member sets their password: the account becomes active and the link is spent."""
    invitation = open_invitation(secret, purpose=InvitationPurpose.STAFF)
    member = invitation.user
    check_new_password(member, password, password_again, field="password", again_field="password_again")
    member.set_password(password)
    member.is_active = True
    member.save(update_fields=["password", "is_active"])
    use_invitation(invitation)
    record_event(
        None, AuditAction.SECURITY, member, organisation=member.organisation, detail={"event": "invitation_accepted"}
    )
    return member


@transaction.atomic
def do_change_staff_member(actor, user_id, *, role: str, title: str, location_ids, home_location_id) -> User:
    """A staff member's role, title, the locations they work at and their home location."""
    member = _staff_member_for_update(actor, user_id)
    new_role = _staff_role(role)
    title = clean_text("title", title, max_chars=80)
    locations, home = _work_locations(actor, location_ids, home_location_id)
    if new_role != member.role:
        _refuse_losing_last_admin(member, field="role")
    before = {
        "role": member.role,
        "title": member.title,
        "locations": sorted(member.work_locations.values_list("pk", flat=True)),
        "home_location": member.home_location_id,
    }
    member.role = new_role.value
    member.title = title
    member.home_location = home
    member.save(update_fields=["role", "title", "home_location"])
    member.work_locations.set(locations)
    after = {
        "role": member.role,
        "title": member.title,
        "locations": sorted(location.pk for location in locations),
        "home_location": member.home_location_id,
    }
    if before != after:
        record_event(
            actor, AuditAction.SECURITY, member, detail={"event": "staff_changed", "before": before, "after": after}
        )
    return member


@transaction.atomic
def do_deactivate_user(actor, user_id, *, reason: str) -> User:
    """A leaver: signed out everywhere at once, API tokens revoked, calendar feeds dead; their name stays
    on past records. Reactivation is possible."""
    member = _staff_member_for_update(actor, user_id)
    reason = clean_reason(reason)
    if member.pk == actor.pk:
        raise ValidationError({"user": "You cannot deactivate your own account; ask another clinic admin."})
    if not member.is_active and member.has_usable_password():
        raise ValidationError({"user": f"{member.display_name} is already deactivated."})
    _refuse_losing_last_admin(member, field="user")
    end_access(member)
    record_event(actor, AuditAction.SECURITY, member, detail={"event": "user_deactivated", "reason": reason})
    return member


@transaction.atomic
def do_reactivate_user(actor, user_id) -> User:
    """A deactivated staff member may sign in again (with their old password; API tokens stay revoked)."""
    member = _staff_member_for_update(actor, user_id)
    if member.is_active:
        raise ValidationError({"user": f"{member.display_name} is active."})
    if not member.has_usable_password():
        raise ValidationError(
            {"user": f"{member.display_name} never accepted the invitation; resend the invitation instead."}
        )
    member.is_active = True
    member.save(update_fields=["is_active"])
    record_event(actor, AuditAction.SECURITY, member, detail={"event": "user_reactivated"})
    return member


@transaction.atomic
def do_unlock_user(actor, user_id) -> User:
    """Clear the failed sign-ins that locked a staff member out (django-axes, per username)."""
    member = _staff_member_for_update(actor, user_id)
    cleared = axes_reset(username=member.username)
    record_event(actor, AuditAction.SECURITY, member, detail={"event": "user_unlocked", "attempts_cleared": cleared})
    return member


@transaction.atomic
def do_reset_two_factor(actor, user_id, *, reason: str) -> User:
    """Remove a staff member's authenticator devices (a lost phone): they enrol a new one at their next
    sign-in (at once, for roles that require two-factor)."""
    member = _staff_member_for_update(actor, user_id)
    reason = clean_reason(reason)
    removed = 0
    for device in devices_for_user(member, confirmed=None):
        device.delete()
        removed += 1
    if not removed:
        raise ValidationError({"user": f"{member.display_name} has no two-factor device to reset."})
    record_event(
        actor,
        AuditAction.SECURITY,
        member,
        detail={"event": "two_factor_reset", "reason": reason, "devices_removed": removed},
    )
    return member


# --- One's own account and password (staff and patients) ---


@transaction.atomic
def do_change_password(
    actor, *, current_password: str, new_password: str, new_password_again: str, keep_session_key: str | None = None
) -> User:
    """The signed-in user's new password (their current one required). Their other sessions end; the view
    keeps the one it was asked from (update_session_auth_hash)."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Sign in first")
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not isinstance(current_password, str) or not user.check_password(current_password):
        raise ValidationError({"current_password": "That is not your current password."})
    check_new_password(user, new_password, new_password_again, field="new_password", again_field="new_password_again")
    if user.check_password(new_password):
        raise ValidationError({"new_password": "Choose a password different from your current one."})
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ended = end_sessions(user, keep_session_key=keep_session_key)
    record_event(user, AuditAction.SECURITY, user, detail={"event": "password_changed", "other_sessions_ended": ended})
    return user


@transaction.atomic
def do_reset_password(user: User, *, new_password: str) -> User:
    """A forgotten password replaced from a mailed reset link (the link's token was checked by Django's
    PasswordResetConfirmView; `new_password` by its form's validators). Every session of the user ends,
    and failed sign-ins that locked the account are cleared: the mailbox owner proved who they are."""
    user = User.objects.select_for_update().get(pk=user.pk)
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from None
    user.set_password(new_password)
    user.save(update_fields=["password"])
    ended = end_sessions(user)
    cleared = axes_reset(username=user.username)
    record_event(
        None,
        AuditAction.SECURITY,
        user,
        organisation=user.organisation,
        detail={"event": "password_reset", "sessions_ended": ended, "failed_attempts_cleared": cleared},
    )
    return user


@transaction.atomic
def do_update_own_account(actor, *, first_name: str, last_name: str, email: str) -> User:
    """The signed-in user's name and email address (where password resets are sent)."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Sign in first")
    user = User.objects.select_for_update().get(pk=actor.pk)
    first_name = clean_text("first_name", first_name, required=True, max_chars=150)
    last_name = clean_text("last_name", last_name, required=True, max_chars=150)
    email = clean_text("email", email, required=True, max_chars=254)
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    if (
        email.lower() != user.email.lower()
        and User.objects.filter(organisation_id=user.organisation_id, email__iexact=email).exclude(pk=user.pk).exists()
    ):
        raise ValidationError({"email": "Another account of your clinic uses this email address."})
    changed = [
        field
        for field, value in (("first_name", first_name), ("last_name", last_name), ("email", email))
        if getattr(user, field) != value
    ]
    if changed:
        user.first_name, user.last_name, user.email = first_name, last_name, email
        user.save(update_fields=changed)
        # Field names only: the values are in the account itself.
        record_event(user, AuditAction.SECURITY, user, detail={"event": "account_details_changed", "fields": changed})
    actor.first_name, actor.last_name, actor.email = user.first_name, user.last_name, user.email
    return user


@transaction.atomic
def do_replace_own_two_factor(actor, *, password: str) -> User:
    """Remove the signed-in user's authenticator devices (a new phone), after re-entering the password;
    the view then sends them to enrol the new one."""
    if not actor.is_authenticated or not actor.is_active:
        raise PermissionDenied("Sign in first")
    if not isinstance(password, str) or not actor.check_password(password):
        raise ValidationError({"password": "That is not your password."})
    removed = 0
    for device in devices_for_user(actor, confirmed=None):
        device.delete()
        removed += 1
    record_event(
        actor, AuditAction.SECURITY, actor, detail={"event": "two_factor_replaced", "devices_removed": removed}
    )
    return actor
