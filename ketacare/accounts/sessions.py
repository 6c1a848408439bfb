"""The session engine (settings.SESSION_ENGINE): Django's database sessions, stored in accounts.UserSession,
which also holds the signed-in user's id. Loading a session loads its user in the same query; the
authentication backend (accounts/backends.py) takes that user instead of reading it again.

Everything else is Django's database session: the row is the truth (ending a session deletes it, and the
next request finds none), nothing is cached between requests, and the user is the row read with the session
of this very request: the authentication backend still refuses an inactive user and Django still checks the
session's password hash.
"""

from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore

# The user read with the session of the request being served (sessions are loaded once per request, before
# the user is asked for). Taken, not kept: take_user_loaded_with_session clears it.
_user_loaded_with_session: ContextVar = ContextVar("user_loaded_with_session", default=None)


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from ketacare.accounts.models import UserSession

        return UserSession

    def _get_session_from_db(self):
        session = super()._get_session_from_db()
        _user_loaded_with_session.set(session.user if session is not None else None)
        return session

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        user_id = data.get(SESSION_KEY)
        session.user_id = int(user_id) if user_id is not None else None
        return session


def take_user_loaded_with_session(user_id):
    """The user loaded with this request's session if it is `user_id`, else None (then read it)."""
    user = _user_loaded_with_session.get()
    _user_loaded_with_session.set(None)
    return user if user is not None and str(user.pk) == str(user_id) else None
