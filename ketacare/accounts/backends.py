"""The authentication backend behind every signed-in request (settings.AUTHENTICATION_BACKENDS)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from ketacare.accounts.sessions import take_user_loaded_with_session

# The path a session records when the user signed in without a password check here (a link that set one).
SESSION_BACKEND = "ketacare.accounts.backends.UserBackend"


class UserBackend(ModelBackend):
    """Django's ModelBackend (password check, inactive users refused) whose signed-in user comes with what
    nearly every request reads next, the organisation (selectors, audit entries) and the home location (the
    zone pages are shown in, ketacare/lib/zones.py): read with the session (accounts/sessions.py), else in
    one query. One round trip for session and user instead of four."""

    def get_user(self, user_id):
        user = take_user_loaded_with_session(user_id)
        if user is None:
            users = get_user_model()._default_manager.select_related("organisation", "home_location")
            user = users.filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
