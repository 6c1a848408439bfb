"""The staff writes that span two apps: a staff member's account (accounts) and what scheduling knows of
them (their skills, their calendar feeds), each in one transaction so an invitation or a change is
either wholly made or not at all.

The single-app writes (reactivate, unlock, reset two-factor, resend an invitation) are accounts'
actions, called by the pages and the API directly.
"""

from collections.abc import Iterable

from django.db import transaction

from ketacare.accounts import actions as account_actions
from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.models import User
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.scheduling.actions.feeds import revoke_feeds_of
from ketacare.scheduling.actions.resources import replace_staff_skills
from ketacare.scheduling.models import StaffSkill


def _set_skills(actor, person: User, skills: Iterable[str]) -> None:
    """Replace `person`'s skills, audited when they changed."""
    before = sorted(StaffSkill.objects.filter(user=person).values_list("skill", flat=True))
    after = replace_staff_skills(person, list(skills))
    if after != before:
        record_event(actor, AuditAction.UPDATE, person, detail={"event": "staff_skills", "skills": after})


@transaction.atomic
def do_invite_staff_member(
    actor,
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    title: str = "",
    location_ids: Iterable[int] = (),
    home_location_id: int | None = None,
    skills: Iterable[str] = (),
) -> User:
    """Invite a staff member (accounts: the account, the invitation and its email) with their skills."""
    require_permission(actor, Permission.STAFF_MANAGE)
    person = account_actions.do_invite_staff(
        actor,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        title=title,
        location_ids=tuple(location_ids),
        home_location_id=home_location_id,
    )
    _set_skills(actor, person, skills)
    return person


@transaction.atomic
def do_change_staff_member(
    actor,
    user_id: int,
    *,
    role: str,
    title: str,
    location_ids: Iterable[int],
    home_location_id: int | None,
    skills: Iterable[str],
) -> User:
    """Change a staff member's role, title, locations and home location (accounts: the last active clinic
    admin keeps the role) and their skills."""
    require_permission(actor, Permission.STAFF_MANAGE)
    person = account_actions.do_change_staff_member(
        actor,
        user_id,
        role=role,
        title=title,
        location_ids=tuple(location_ids),
        home_location_id=home_location_id,
    )
    _set_skills(actor, person, skills)
    return person


@transaction.atomic
def do_deactivate_staff_member(actor, user_id: int, *, reason: str) -> User:
    """Deactivate a leaver (accounts: sessions and API tokens end at once; never the last active clinic
    admin) and revoke their calendar feeds, so that reactivating them does not bring old feed URLs back."""
    require_permission(actor, Permission.STAFF_MANAGE)
    person = account_actions.do_deactivate_user(actor, user_id, reason=reason)
    feeds = revoke_feeds_of(person)
    if feeds:
        record_event(
            actor,
            AuditAction.SECURITY,
            person,
            detail={"event": "calendar_feeds_revoked", "feed_ids": [feed.pk for feed in feeds]},
        )
    return person
