"""The page header (base.html, accounts/context_processors.py): what each role is offered, and its links
reversed once per process rather than on every page (issue 19)."""

from unittest import mock

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.urls.resolvers import URLResolver

from ketacare.accounts.context_processors import _NAV_PERMISSIONS, _NAV_URL_NAMES, navigation
from ketacare.accounts.domain.roles import Role
from ketacare.accounts.permissions import user_may


def test_the_navigation_offers_each_role_what_the_role_matrix_allows(staff, patient):
    request = RequestFactory().get("/")
    for user in [*staff.values(), patient.user]:
        request.user = user
        nav = navigation(request)["nav"]
        assert dict(nav) == {key: user_may(user, permission) for key, permission in _NAV_PERMISSIONS.items()}
    staff["nurse"].is_active = False
    request.user = staff["nurse"]
    assert not any(navigation(request)["nav"].values())


def test_the_header_links_are_the_urls_of_their_pages(org):
    links = navigation(RequestFactory().get("/"))["nav_url"]
    for key, name in _NAV_URL_NAMES.items():
        assert links[key] == reverse(name)


@pytest.mark.parametrize("role", [Role.CLINIC_ADMIN, Role.FRONT_DESK])
def test_a_list_page_reverses_neither_header_links_nor_a_url_per_row(org, signed_in, make_patient, make_user, role):
    client = signed_in(make_user(org, role, f"{role.value}_nav"))
    url = reverse("patients:list")
    make_patient(org, 1)
    client.get(url)

    def reverses():
        with mock.patch.object(URLResolver, "_reverse_with_prefix", autospec=True, side_effect=original) as spy:
            response = client.get(url)
        assert response.status_code == 200
        return spy.call_count

    original = URLResolver._reverse_with_prefix
    few = reverses()
    for number in range(2, 8):
        make_patient(org, number)
    assert reverses() == few <= 1  # "Register patient" (the clinic admin and front desk may register)
