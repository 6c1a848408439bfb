"""The session engine (settings.SESSION_ENGINE): Django's database sessions, stored in accounts.UserSession,
which also holds the signed-in user's id. Loading a session loads its user in the same query; the
authentication backend (accounts/backends.py) takes that user instead of reading it again.

Everything else is Django's database session: the row is the truth (ending a session deletes it, and the
next request finds none), nothing is cached between requests, and the user is the row read with the session
of this very request: the authentication backend still refuses an inactive user and Django still checks the
session's password hash.
"""

import datetime as dt
import functools
from contextvars import ContextVar

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.utils import timezone

from ketacare.lib.fixed_reads import FixedRead

# The user read with the session of the request being served (sessions are loaded once per request, before
# the user is asked for). Taken, not kept: take_user_loaded_with_session clears it.
_user_loaded_with_session: ContextVar = ContextVar("user_loaded_with_session", default=None)


class SessionStore(DatabaseSessionStore):
    @classmethod
    def get_model_class(cls):
        from ketacare.accounts.models import UserSession

        return UserSession

    def _get_session_from_db(self):
        session = _read_session(self.model, self.session_key) if self.session_key else None
        if session is None:
            self._session_key = None
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


# ------------------------------------------------------------------ the session read, built once per connection
#
# Every signed-in request runs the same query (Django's own: the live session by its key, its user, the user's
# organisation and home location), and building its SQL from the queryset cost more than half of what a bare
# signed-in request costs (issue 19): it is a FixedRead. The session's validity is still the database's answer
# for this very request: its key and `expire_date > now` (accounts/tests/test_sessions.py).


@functools.cache
def _live_session_read(model) -> FixedRead:
    return FixedRead(
        model,
        lambda session_key, now: model.objects.filter(session_key=session_key, expire_date__gt=now),
        session_key=str,
        now=dt.datetime,
    )


def _read_session(model, session_key: str):
    """The live session `session_key` with its user, organisation and home location, or None."""
    sessions = _live_session_read(model).models(session_key=session_key, now=timezone.now())
    return sessions[0] if sessions else None


def remove_expired_sessions() -> dict[str, int]:
    """Housekeeping (lib/housekeeping.py): sessions past their expiry, dead already (the read above asks
    `expire_date > now`). Django's SessionStore.clear_expired() deletes the same rows but counts none."""
    from ketacare.accounts.models import UserSession

    removed, _ = UserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return {"expired sessions": removed}
