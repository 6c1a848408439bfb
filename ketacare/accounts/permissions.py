"""Django-side enforcement of the role matrix for views and API endpoints."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from ketacare.accounts.domain.roles import Permission


def user_may(user, permission: Permission) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.may(permission)


def require_permission(user, permission: Permission) -> None:
    """Raise PermissionDenied unless the user holds the permission."""
    if not user_may(user, permission):
        raise PermissionDenied(f"Your role may not {permission.value.replace('.', ' ').replace('_', ' ')}.")


def permission_required(permission: Permission):
    """View decorator: anonymous users go to the login page, others without the permission get 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            require_permission(request.user, permission)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
