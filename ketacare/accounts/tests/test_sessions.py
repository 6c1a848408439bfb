"""Sessions that know their user (accounts/sessions.py, issue 19): one query reads a request's session, its user,
the user's organisation and home location; ending a user's sessions deletes exactly theirs."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ketacare.accounts.invitations import end_sessions
from ketacare.accounts.models import User, UserSession
from ketacare.accounts.sessions import SessionStore, take_user_loaded_with_session

NON_AUDITED_PAGE = "/accounts/tokens/"


def reads_of(table: str, queries) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if f'FROM "{table}"' in query["sql"]]


def test_a_signed_in_request_reads_its_session_user_organisation_and_home_location_in_one_query(
    client, staff, signed_in, org
):
    nurse = staff["nurse"]
    nurse.home_location = org.locations.first()
    nurse.save(update_fields=["home_location"])
    signed_in(nurse)
    client.get(NON_AUDITED_PAGE)  # starts the idle clock
    with CaptureQueriesContext(connection) as queries:
        page = client.get(NON_AUDITED_PAGE)
    assert page.status_code == 200 and page.context["user"] == nurse
    session_reads = reads_of("accounts_usersession", queries)
    assert len(session_reads) == 1
    assert '"accounts_user"' in session_reads[0] and '"clinics_organisation"' in session_reads[0]
    assert not reads_of("accounts_user", queries)
    assert not reads_of("clinics_organisation", queries)
    assert not reads_of("clinics_location", queries)  # the zone the page is shown in


def test_the_user_read_with_a_session_serves_only_that_user_and_only_once(staff, client, signed_in):
    nurse, admin = staff["nurse"], staff["clinic_admin"]
    signed_in(nurse)
    store = SessionStore(client.cookies["sessionid"].value)
    assert store.load()["_auth_user_id"] == str(nurse.pk)
    assert take_user_loaded_with_session(admin.pk) is None  # another user's id: read from the database
    store.load()
    assert take_user_loaded_with_session(nurse.pk) == nurse
    assert take_user_loaded_with_session(nurse.pk) is None  # taken: a later request reads its own


def test_a_session_row_names_its_user_and_ending_them_leaves_other_users_signed_in(staff):
    nurse, front_desk = staff["nurse"], staff["front_desk"]
    nurse_browser, nurse_phone, front_desk_browser = Client(), Client(), Client()
    for browser, user in ((nurse_browser, nurse), (nurse_phone, nurse), (front_desk_browser, front_desk)):
        browser.force_login(user)
    assert set(UserSession.objects.values_list("user_id", flat=True)) == {nurse.pk, front_desk.pk}
    keep = nurse_phone.cookies["sessionid"].value
    assert end_sessions(User.objects.get(pk=nurse.pk), keep_session_key=keep) == 1
    assert nurse_browser.get(NON_AUDITED_PAGE).status_code == 302
    assert nurse_phone.get(NON_AUDITED_PAGE).status_code == 200
    assert front_desk_browser.get(NON_AUDITED_PAGE).status_code == 200


@pytest.mark.parametrize("signed_out_by", ["logout", "deactivation"])
def test_a_session_ended_in_one_request_is_gone_for_the_next(staff, client, signed_in, signed_out_by):
    nurse = staff["nurse"]
    signed_in(nurse)
    assert client.get(NON_AUDITED_PAGE).status_code == 200
    if signed_out_by == "logout":
        client.post("/accounts/logout/")
    else:
        User.objects.filter(pk=nurse.pk).update(is_active=False)
    assert client.get(NON_AUDITED_PAGE).status_code == 302
