"""Reads of accounts: the staff of an organisation, for the people one staff member may name
(a witness, the enrolling prescriber, the monitoring clinician, whom an alert is mailed to).

Only active staff of the one organisation are returned, never a patient's account and never
anyone of another organisation, so an id from a form or the API that names someone else finds
nobody, the same as an id that does not exist.
"""

from collections.abc import Iterable

from django.db.models import QuerySet

from ketacare.accounts.domain.roles import STAFF_ROLES, Permission, Role, roles_with
from ketacare.accounts.models import User
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
