"""REST endpoints of staff management (/api/v1/staff): the same selectors and actions as the pages.

Clinic admins only (STAFF_MANAGE). Another organisation's staff member, a patient or an unknown id is
a 404; bad input a 422 naming the field, with nothing changed (lib/api.py).
"""

import datetime as dt
from typing import Annotated, Literal

from ninja import Query, Router, Schema
from pydantic import Field, StringConstraints

from ketacare.accounts import actions as account_actions
from ketacare.accounts.domain.roles import STAFF_ROLES
from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.ids import DbId
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK, REASON_MAX_CHARS
from ketacare.scheduling.models import Skill
from ketacare.staff import actions
from ketacare.staff.selectors import StaffRow, StaffStatus, staff_list, staff_member_by_id, staff_rows

router = Router(tags=["staff"])

StaffRole = Literal[tuple(sorted(STAFF_ROLES))]  # type: ignore[valid-type]
SkillName = Literal[tuple(Skill.values)]  # type: ignore[valid-type]
Status = Literal[tuple(status.value for status in StaffStatus)]  # type: ignore[valid-type]
Name = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=150)]
Title = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=80)]
Reason = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=REASON_MAX_CHARS)]


class StaffMemberOut(Schema):
    id: int
    username: str
    email: str
    first_name: str
    last_name: str
    role: str
    title: str
    status: Status = Field(description="active; invited (never accepted: resend the invitation); inactive")
    location_ids: list[int] = Field(description="The locations they work at")
    home_location_id: int | None
    skills: list[str]
    last_login: dt.datetime | None
    failed_attempts: int = Field(description="Failed sign-ins since the last successful one")
    locked_out: bool
    invitation_pending: bool = Field(description="An invitation link that still works")


class StaffFilters(Schema):
    role: StaffRole | None = None
    location_id: DbId | None = Field(None, description="Staff who work at this location")
    status: Status | None = None


class StaffFieldsIn(Schema):
    role: StaffRole
    title: Title = ""
    location_ids: list[DbId] = Field(default_factory=list, description="The locations they work at")
    home_location_id: DbId | None = None
    skills: list[SkillName] = Field(default_factory=list)


class StaffInviteIn(StaffFieldsIn):
    email: Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=254)]
    first_name: Name
    last_name: Name


class StaffChangeIn(StaffFieldsIn):
    """Every field is set as given (a missing list means none)."""


class StaffReasonIn(Schema):
    reason: Reason


def _out(row: StaffRow) -> dict:
    person, facts = row.person, row.facts
    return {
        "id": person.pk,
        "username": person.username,
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "role": person.role,
        "title": person.title,
        "status": row.status.value,
        "location_ids": sorted(location.pk for location in person.work_locations.all()),
        "home_location_id": person.home_location_id,
        "skills": row.skills,
        "last_login": facts.last_login,
        "failed_attempts": facts.failed_attempts,
        "locked_out": facts.locked_out,
        "invitation_pending": facts.invitation_pending,
    }


def _member_out(actor, user_id: int) -> dict:
    return _out(staff_rows([staff_member_by_id(actor, user_id)])[0])


@router.get("/members", response={200: list[StaffMemberOut], **LIST_ERRORS, 422: READ_ERRORS[422]})
def list_staff_members(request, filters: Query[StaffFilters]):
    """The clinic's staff, with their sign-in facts; filter by role, location and status."""
    members = staff_list(
        request.auth, role=filters.role or "", location_id=filters.location_id, status=filters.status or ""
    )
    return [_out(row) for row in staff_rows(members)]


@router.get("/members/{user_id}", response={200: StaffMemberOut, **READ_ERRORS})
def read_staff_member(request, user_id: int = PathId):
    return _member_out(request.auth, user_id)


@router.post("/members", response={201: StaffMemberOut, **WRITE_ERRORS})
def invite_staff_member(request, payload: StaffInviteIn):
    """Invite a staff member: the account is inactive until they accept the emailed, single-use link."""
    person = actions.do_invite_staff_member(request.auth, **payload.dict())
    return 201, _member_out(request.auth, person.pk)


@router.put("/members/{user_id}", response={200: StaffMemberOut, **WRITE_ERRORS})
def change_staff_member(request, payload: StaffChangeIn, user_id: int = PathId):
    """Role, title, locations, home location and skills; the last active clinic admin keeps the role."""
    actions.do_change_staff_member(request.auth, user_id, **payload.dict())
    return _member_out(request.auth, user_id)


@router.post("/members/{user_id}/deactivate", response={200: StaffMemberOut, **WRITE_ERRORS})
def deactivate_staff_member(request, payload: StaffReasonIn, user_id: int = PathId):
    """Their sessions, API tokens and calendar feeds end at once; never the last active clinic admin."""
    actions.do_deactivate_staff_member(request.auth, user_id, reason=payload.reason)
    return _member_out(request.auth, user_id)


@router.post("/members/{user_id}/reactivate", response={200: StaffMemberOut, **WRITE_ERRORS})
def reactivate_staff_member(request, user_id: int = PathId):
    account_actions.do_reactivate_user(request.auth, user_id)
    return _member_out(request.auth, user_id)


@router.post("/members/{user_id}/unlock", response={200: StaffMemberOut, **WRITE_ERRORS})
def unlock_staff_member(request, user_id: int = PathId):
    """Clear their failed sign-ins, ending a lockout."""
    account_actions.do_unlock_user(request.auth, user_id)
    return _member_out(request.auth, user_id)


@router.post("/members/{user_id}/reset-two-factor", response={200: StaffMemberOut, **WRITE_ERRORS})
def reset_staff_two_factor(request, payload: StaffReasonIn, user_id: int = PathId):
    """Remove their two-factor device; they set up a new one at their next sign-in."""
    account_actions.do_reset_two_factor(request.auth, user_id, reason=payload.reason)
    return _member_out(request.auth, user_id)


@router.post("/members/{user_id}/resend-invitation", response={200: StaffMemberOut, **WRITE_ERRORS})
def resend_staff_invitation(request, user_id: int = PathId):
    """A new invitation link by email; the earlier one stops working."""
    account_actions.do_resend_invitation(request.auth, user_id)
    return _member_out(request.auth, user_id)
