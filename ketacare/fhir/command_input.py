"""The user a `ketacare fhir ...` command acts as (`--by USERNAME`): the same actions and audit as the pages."""

from ketacare.accounts.models import User
from ketacare.lib.commands import fail


def acting_user(username: str) -> User:
    user = User.objects.select_related("organisation").filter(username=username, is_active=True).first()
    if user is None:
        fail(f"by: no active user named {username!r}")
    return user
