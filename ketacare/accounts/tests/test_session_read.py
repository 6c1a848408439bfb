"""The session read compiled once per connection (accounts/sessions.py, issue 19): each request still asks the
database for its own live session, and gets its user, organisation and home location with it."""

import datetime as dt

from django.utils import timezone

from ketacare.accounts.models import UserSession
from ketacare.accounts.sessions import SessionStore

NON_AUDITED_PAGE = "/accounts/tokens/"


def test_a_request_reads_its_session_without_building_the_query_again(client, staff, signed_in, org, sql_built_for):
    nurse = staff["nurse"]
    nurse.home_location = org.locations.first()
    nurse.save(update_fields=["home_location"])
    signed_in(nurse)
    client.get(NON_AUDITED_PAGE)
    sql_built_for.clear()
    page = client.get(NON_AUDITED_PAGE)
    assert page.status_code == 200 and page.context["user"] == nurse
    assert UserSession not in sql_built_for
    row = UserSession.objects.get(pk=client.cookies["sessionid"].value)
    read = SessionStore(row.pk)._get_session_from_db()
    assert read.user == nurse and read.user.organisation == org and read.user.home_location == nurse.home_location
    assert read.session_data == row.session_data and read.expire_date == row.expire_date


def test_an_expired_or_unknown_session_is_no_session(client, staff, signed_in):
    signed_in(staff["nurse"])
    key = client.cookies["sessionid"].value
    assert client.get(NON_AUDITED_PAGE).status_code == 200
    UserSession.objects.filter(pk=key).update(expire_date=timezone.now() - dt.timedelta(seconds=1))
    assert client.get(NON_AUDITED_PAGE).status_code == 302  # to the login page
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert SessionStore("no-such-session-key-000000000000").load() == {}


def test_views_get_the_user_itself_with_its_two_factor_state_and_anonymous_stays_anonymous(client, staff, signed_in):
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import LazyObject

    from ketacare.accounts.models import User

    anonymous = client.get(NON_AUDITED_PAGE)
    assert type(anonymous.wsgi_request.user) is AnonymousUser
    signed_in(staff["nurse"])
    page = client.get(NON_AUDITED_PAGE)
    user = page.wsgi_request.user
    assert not isinstance(user, LazyObject) and type(user) is User and user == staff["nurse"]
    assert user.is_verified() is False and user.otp_device is None  # django_otp's state, kept
