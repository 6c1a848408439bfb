from django.utils.functional import SimpleLazyObject

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may
from ketacare.measures.selectors import open_alert_count


def safety_alert_count(request):
    """The open alerts' count beside "Safety alerts" in the navigation, for the roles that see alerts.
    Lazy: the COUNT runs only on a page that renders the navigation."""
    user = getattr(request, "user", None)
    if not user_may(user, Permission.MEASURES_ALERTS_VIEW):
        return {}
    return {"open_alert_count": SimpleLazyObject(lambda: open_alert_count(user))}
