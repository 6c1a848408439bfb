"""Issue 14.8: the portal home and the score trend fit a 390 px phone without scrolling sideways."""

import datetime as dt

import pytest
from playwright.sync_api import Page

from ketacare.reports.tests.outcome_factories import score

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
# What sticks out, to name in the failure: the elements whose right edge passes the viewport.
WIDE_ELEMENTS = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 0.5)
  .slice(0, 8).map(e => `${e.tagName.toLowerCase()}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`)"""


def test_portal_home_and_score_trend_do_not_scroll_sideways_at_390px(page: Page, live_server, patient, browser_sign_in):
    today = dt.date.today()
    for weeks_ago, total in ((6, 21), (4, 17), (2, 12), (0, 8)):
        score(patient, total, today - dt.timedelta(weeks=weeks_ago))
    page.set_viewport_size(PHONE)
    page.set_default_timeout(15000)
    base = live_server.url
    browser_sign_in(page, base, patient.user)
    for path in ("/portal/", "/measures/portal/trend/phq9/"):
        page.goto(f"{base}{path}")
        assert page.locator("h1").count() == 1
        width = page.evaluate("document.scrollingElement.scrollWidth")
        assert width <= PHONE["width"], f"{path} is {width} px wide: {page.evaluate(WIDE_ELEMENTS)}"
