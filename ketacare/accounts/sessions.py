"""The session engine (settings.SESSION_ENGINE): Django's database sessions, stored in accounts.UserSession,
which also holds the signed-in user's id. Loading a session loads its user in the same query; the
authentication backend (accounts/backends.py) takes that user instead of reading it again.

Everything else is Django's database session: the row is the truth (ending a session deletes it, and the
next request finds none), nothing is cached between requests, and the user is the row read with the session
of this very request: the authentication backend still refuses an inactive user and Django still checks the
session's password hash.
"""

import datetime as dt
from contextvars import ContextVar
from dataclasses import dataclass

from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import connections, router
from django.db.models.query import get_related_populators
from django.utils import timezone

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


# ---------------------------------------------------------------- the session read, compiled once per connection
#
# Every signed-in request runs the same query (Django's own: the live session by its key, its user, the user's
# organisation and home location), and building its SQL from the queryset cost more than half of what a bare
# signed-in request costs (issue 19). So the queryset is compiled once per database connection, and each request
# executes that SQL with its own two values and builds the instances as Django's ModelIterable does (the
# compiler's converters and related populators). The session's validity is still the database's answer for this
# very request: its key and `expire_date > now`. Relies on the compiler's klass_info/select as Django 5.2 fills
# them; accounts/tests/test_sessions.py pins what the read returns.

_KEY_MARKER = "\x00session-key-marker"
_NOW_MARKER = dt.datetime(1901, 2, 3, 4, 5, 6, 789012, tzinfo=dt.UTC)


@dataclass(frozen=True)
class _CompiledSessionRead:
    sql: str
    params: tuple
    key_index: int
    now_index: int
    compiler: object
    init_list: list[str]
    model_fields: slice
    related_populators: list


def _compiled_read(model, connection) -> _CompiledSessionRead:
    # Kept on the connection wrapper (one per thread and alias), so it goes when the wrapper goes.
    compiled = getattr(connection, "ketacare_compiled_session_read", None)
    if compiled is None:
        queryset = model.objects.filter(session_key=_KEY_MARKER, expire_date__gt=_NOW_MARKER)
        compiler = queryset.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        now_value = model._meta.get_field("expire_date").get_db_prep_value(_NOW_MARKER, connection)
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        compiled = _CompiledSessionRead(
            sql=sql,
            params=tuple(params),
            key_index=list(params).index(_KEY_MARKER),
            now_index=list(params).index(now_value),
            compiler=compiler,
            init_list=[column[0].target.attname for column in select[fields[0] : fields[-1] + 1]],
            model_fields=slice(fields[0], fields[-1] + 1),
            related_populators=get_related_populators(klass_info, select, connection.alias),
        )
        connection.ketacare_compiled_session_read = compiled
    return compiled


def _read_session(model, session_key: str):
    """The live session `session_key` with its user, organisation and home location, or None."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    read = _compiled_read(model, connection)
    params = list(read.params)
    params[read.key_index] = session_key
    params[read.now_index] = model._meta.get_field("expire_date").get_db_prep_value(timezone.now(), connection)
    with connection.cursor() as cursor:
        cursor.execute(read.sql, params)
        rows = cursor.fetchall()
    for row in read.compiler.results_iter([rows]):
        session = model.from_db(alias, read.init_list, row[read.model_fields])
        for populator in read.related_populators:
            populator.populate(row, session)
        return session
    return None


def remove_expired_sessions() -> dict[str, int]:
    """Housekeeping (lib/housekeeping.py): sessions past their expiry, dead already (the read above asks
    `expire_date > now`). Django's SessionStore.clear_expired() deletes the same rows but counts none."""
    from ketacare.accounts.models import UserSession

    removed, _ = UserSession.objects.filter(expire_date__lt=timezone.now()).delete()
    return {"expired sessions": removed}
