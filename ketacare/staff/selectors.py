"""Reads for the clinic admin's staff pages and API: the staff list with its filters, one staff member,
and what the list shows beside each (skills, sign-in facts, a pending invitation).

Everything starts from accounts' `staff_members(actor)` (STAFF_MANAGE, the actor's organisation,
staff roles only), so another organisation's staff member or a patient is a 404 like an unknown id.
"""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404

from ketacare.accounts.domain.roles import STAFF_ROLES, Permission
from ketacare.accounts.models import Invitation, InvitationPurpose, User
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import sign_in_facts, staff_members
from ketacare.lib.ids import db_id_or_zero
from ketacare.scheduling.models import Skill, StaffSkill


class StaffStatus(StrEnum):
    """The list's third filter. "Invited" is an account that has never been accepted (its invitation may
    have expired: resend it); "inactive" is one that was active once and was deactivated."""

    ACTIVE = "active"
    INACTIVE = "inactive"
    INVITED = "invited"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _never_accepted():
    staff_invitations = Invitation.objects.filter(user=OuterRef("pk"), purpose=InvitationPurpose.STAFF)
    return Exists(staff_invitations) & ~Exists(staff_invitations.filter(used_at__isnull=False))


def staff_list(actor, *, role: str = "", location_id: object = None, status: str = "") -> QuerySet[User]:
    """The actor's staff, narrowed by role, a location they work at, and status (all optional; blank is
    "any"). A filter value that is not one of the choices is a ValidationError naming the filter."""
    require_permission(actor, Permission.STAFF_MANAGE)
    if role and role not in STAFF_ROLES:
        raise ValidationError({"role": f"Choose a staff role ({', '.join(sorted(STAFF_ROLES))})."})
    if status and status not in StaffStatus.__members__.values():
        raise ValidationError({"status": "Choose active, inactive or invited."})
    location = None
    if location_id not in (None, ""):
        location = actor.organisation.locations.filter(pk=db_id_or_zero(location_id)).first()
        if location is None:
            raise ValidationError({"location_id": "Choose one of your clinic's locations."})
    members = staff_members(
        actor, role=role or None, location_id=location.pk if location else None, active=_active_filter(status)
    )
    members = _with_details(members)
    if status == StaffStatus.INVITED:
        members = members.filter(awaiting_acceptance=True)
    elif status == StaffStatus.INACTIVE:
        members = members.filter(awaiting_acceptance=False)
    return members.order_by("last_name", "first_name", "username")


def _with_details(members: QuerySet[User]) -> QuerySet[User]:
    return (
        members.annotate(awaiting_acceptance=_never_accepted())
        .select_related("home_location")
        .prefetch_related("work_locations")
    )


def _active_filter(status: str) -> bool | None:
    if status == StaffStatus.ACTIVE:
        return True
    if status in (StaffStatus.INACTIVE, StaffStatus.INVITED):
        return False
    return None


def staff_member_by_id(actor, user_id: object) -> User:
    """One of the actor's staff; 404 for an unknown id, a patient, or anyone of another organisation."""
    person = _with_details(staff_members(actor)).filter(pk=db_id_or_zero(user_id)).first()
    if person is None:
        raise Http404("No such staff member")
    return person


def skills_by_user(users) -> dict[int, list[str]]:
    """Each user's scheduling skills (values of scheduling's Skill), sorted."""
    skills: dict[int, list[str]] = {user.pk: [] for user in users}
    for user_id, skill in (
        StaffSkill.objects.filter(user__in=list(skills)).order_by("skill").values_list("user_id", "skill")
    ):
        skills[user_id].append(skill)
    return skills


SKILL_LABELS = dict(Skill.choices)


@dataclass(frozen=True)
class StaffRow:
    """One staff member as the list and the API show them."""

    person: User
    skills: list[str]
    facts: object  # accounts.selectors.SignInFacts

    @property
    def status(self) -> StaffStatus:
        if self.person.is_active:
            return StaffStatus.ACTIVE
        return StaffStatus.INVITED if self.person.awaiting_acceptance else StaffStatus.INACTIVE

    @property
    def skill_labels(self) -> list[str]:
        return [SKILL_LABELS.get(skill, skill) for skill in self.skills]


def staff_rows(users) -> list[StaffRow]:
    """The list's rows: each user (from staff_list or staff_member_by_id) with their skills and sign-in
    facts (a few queries for the page, not per row)."""
    users = list(users)
    skills = skills_by_user(users)
    facts = sign_in_facts(users)
    return [StaffRow(person=user, skills=skills[user.pk], facts=facts[user.pk]) for user in users]
