"""Reads of accounts: the staff of an organisation, for the people one staff member may name
(a witness, the enrolling prescriber, the monitoring clinician, whom an alert is mailed to).

Only active staff of the one organisation are returned, never a patient's account and never
anyone of another organisation, so an id from a form or the API that names someone else finds
nobody, the same as an id that does not exist.

For clinic admins (STAFF_MANAGE): the whole staff list, deactivated and invited people included, and
each account's sign-in facts (last sign-in, failed attempts, lockout, pending invitation).
"""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from ketacare.accounts.domain.roles import STAFF_ROLES, Permission, Role, roles_with
from ketacare.accounts.models import Invitation, User
from ketacare.accounts.permissions import require_permission
from ketacare.lib.ids import db_id_or_zero


def staff_of_organisation(
    organisation_id: int | None, *, roles: Iterable[Role] | None = None, permission: Permission | None = None
) -> QuerySet[User]:
    """Active staff of the organisation, narrowed to `roles` and/or to the roles the role matrix
    grants `permission`; no one for no organisation."""
    if organisation_id is None:
        return User.objects.none()
    allowed = set(STAFF_ROLES)
    if roles is not None:
        allowed &= set(roles)
    if permission is not None:
        allowed &= roles_with(permission)
    return User.objects.filter(organisation_id=organisation_id, is_active=True, role__in=allowed)


def colleagues(
    user: User, *, roles: Iterable[Role] | None = None, permission: Permission | None = None
) -> QuerySet[User]:
    """Active staff of `user`'s organisation (`user` among them), narrowed as staff_of_organisation."""
    return staff_of_organisation(user.organisation_id, roles=roles, permission=permission)


def colleague_by_id(
    user: User, colleague_id: object, *, roles: Iterable[Role] | None = None, permission: Permission | None = None
) -> User | None:
    """One of `colleagues(user, ...)` by id; None for any other id, or a value that is no id."""
    return colleagues(user, roles=roles, permission=permission).filter(pk=db_id_or_zero(colleague_id)).first()


def staff_members(
    actor, *, role: str | None = None, location_id: object = None, active: bool | None = None
) -> QuerySet[User]:
    """Everyone on the staff of the actor's organisation, deactivated and invited ones included (STAFF_MANAGE),
    narrowed to a role, a location they work at (or have as home) and active or not."""
    require_permission(actor, Permission.STAFF_MANAGE)
    members = User.objects.filter(organisation_id=actor.organisation_id, role__in=STAFF_ROLES)
    if role:
        members = members.filter(role=role)
    if location_id not in (None, ""):
        location = db_id_or_zero(location_id)
        members = members.filter(Q(work_locations=location) | Q(home_location=location)).distinct()
    if active is not None:
        members = members.filter(is_active=active)
    return members.select_related("home_location").prefetch_related("work_locations")


@dataclass(frozen=True)
class SignInFacts:
    """What a clinic admin sees of one account's sign-ins."""

    last_login: dt.datetime | None
    failed_attempts: int  # wrong passwords since the last successful sign-in (django-axes)
    locked_out: bool  # refused now until the lockout ends or an admin unlocks
    invitation_pending: bool  # an invitation link that still works has not been used
    invitation_expires_at: dt.datetime | None


def sign_in_facts(users: Iterable[User]) -> dict[int, SignInFacts]:
    """Sign-in facts for each user, keyed by id, in three queries whatever the number of users."""
    users = list(users)
    now = timezone.now()
    failures: dict[str, tuple[int, dt.datetime]] = {}
    for username, count, at in AccessAttempt.objects.filter(username__in=[user.username for user in users]).values_list(
        "username", "failures_since_start", "attempt_time"
    ):
        previous = failures.get(username, (0, at))
        failures[username] = (previous[0] + count, max(previous[1], at))
    pending: dict[int, dt.datetime] = {}
    for user_id, expires_at in Invitation.objects.filter(
        user__in=users, used_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now
    ).values_list("user_id", "expires_at"):
        pending[user_id] = max(expires_at, pending.get(user_id, expires_at))
    facts = {}
    for user in users:
        count, last_failure = failures.get(user.username, (0, None))
        locked = (
            count >= settings.AXES_FAILURE_LIMIT
            and last_failure is not None
            and last_failure > now - settings.AXES_COOLOFF_TIME
        )
        facts[user.pk] = SignInFacts(
            last_login=user.last_login,
            failed_attempts=count,
            locked_out=locked,
            invitation_pending=user.pk in pending,
            invitation_expires_at=pending.get(user.pk),
        )
    return facts
