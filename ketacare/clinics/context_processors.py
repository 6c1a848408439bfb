from django.utils.functional import SimpleLazyObject

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may
from ketacare.clinics.selectors import failed_mail_count


def mail_problem_count(request):
    """How many emails failed for good, beside "Email problems" in the navigation (clinic admins and
    prescribers). Lazy: the COUNT runs only on a page that renders the navigation."""
    user = getattr(request, "user", None)
    if not user_may(user, Permission.OUTBOX_VIEW):
        return {}
    return {"failed_mail_count": SimpleLazyObject(lambda: failed_mail_count(user))}
