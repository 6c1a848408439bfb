from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may


def staff_navigation(request):
    """Whether the navigation offers the staff pages (the role matrix decides: clinic admins)."""
    return {"staff_nav": user_may(getattr(request, "user", None), Permission.STAFF_MANAGE)}
