"""The page shell every staff page pays (base.html and the context processors): on a warm connection it asks the
database only for the navigation's badges, and builds no SQL from querysets to do so; the header's links, rendered
once per process for each role, URLs and badge numbers (accounts/templatetags/navigation.py), are still each
page's own (issue 19)."""

from unittest import mock

import pytest
from django.db.models.sql.compiler import SQLCompiler
from django.template import engines
from django.template.defaulttags import IfNode
from django.urls import set_script_prefix

from ketacare.accounts.domain.roles import Role
from ketacare.measures.actions import do_enter_response

pytestmark = pytest.mark.django_db

# What each role's navigation counts: open safety alerts, failed mail (accounts, measures, clinics processors).
BADGE_QUERIES = {
    Role.FRONT_DESK: 0,
    Role.NURSE: 1,
    Role.PRESCRIBER: 2,
    Role.CLINIC_ADMIN: 2,
}


@pytest.mark.parametrize("role", list(BADGE_QUERIES))
def test_the_shell_asks_only_for_the_badges_with_sql_built_once(role, staff, rf, django_assert_num_queries):
    shell = engines["django"].from_string('{% extends "base.html" %}')
    request = rf.get("/")
    request.user = staff[role.value]
    shell.render({}, request)  # the first page on a connection builds the badges' SQL
    with (
        mock.patch.object(SQLCompiler, "as_sql", side_effect=AssertionError("built a query's SQL again")),
        django_assert_num_queries(BADGE_QUERIES[role]),
        mock.patch.object(IfNode, "render", autospec=True, side_effect=IfNode.render) as conditions,
    ):
        html = shell.render({}, request)
    # base.html's own four (signed in, staff links, demo banner, messages), none per link: those are rendered once.
    assert conditions.call_count == 4
    assert "Sign out" in html
    assert ("Safety alerts" in html) is (BADGE_QUERIES[role] > 0)
    assert ("Email problems" in html) is (BADGE_QUERIES[role] > 1)


def test_the_links_show_each_pages_own_counts_role_and_urls(staff, patient, rf):
    shell = engines["django"].from_string('{% extends "base.html" %}')
    nurse = staff["nurse"]
    request = rf.get("/")
    request.user = nurse
    assert "open alerts" not in shell.render({}, request)
    # A PHQ-9 with item 9 above 0 raises an alert: the very next page counts it.
    do_enter_response(staff["prescriber"], patient, "phq9", dict(enumerate([1] * 9, 1)))
    assert '<a href="/measures/alerts/">Safety alerts <span class="badge" title="open alerts">1</span></a>' in (
        shell.render({}, request)
    )
    nurse.role = Role.FRONT_DESK
    assert "Safety alerts" not in shell.render({}, request)
    set_script_prefix("/clinic-a/")
    try:
        assert '<a href="/clinic-a/patients/">Patients</a>' in shell.render({}, request)
    finally:
        set_script_prefix("/")
