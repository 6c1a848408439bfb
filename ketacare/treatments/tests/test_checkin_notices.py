"""Check-in notices: what apps above treatments register is shown on an open session's chart, never on a closed
one, and never stops a dose (the billing notice itself is tested in billing/tests/test_insurance_selectors.py)."""

import pytest
from django.urls import reverse

from ketacare.treatments import checkin_notices
from ketacare.treatments.models import SessionStatus, TreatmentSession
from ketacare.treatments.start_checks import start_check_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def notice(monkeypatch):
    monkeypatch.setattr(checkin_notices, "_notices", {})
    checkin_notices.register_checkin_notice("reminder", lambda session: ["Ask about <the> escort."])
    checkin_notices.register_checkin_notice("quiet", lambda session: [])


def test_an_open_sessions_chart_shows_the_registered_notices_escaped(notice, make_chart, staff, signed_in):
    session = make_chart(discharged=False)
    assert checkin_notices.checkin_notices(session) == {"reminder": ["Ask about <the> escort."]}
    assert "reminder" not in start_check_problems(session)  # a notice is not a start check
    page = signed_in(staff["nurse"]).get(reverse("treatments:session", args=[session.pk])).content.decode()
    assert "Ask about &lt;the&gt; escort." in page


def test_a_signed_or_cancelled_session_has_no_notice(notice, make_chart):
    session = make_chart()
    for status in (SessionStatus.SIGNED, SessionStatus.CANCELLED):
        TreatmentSession.objects.filter(pk=session.pk).update(status=status)
        session.refresh_from_db()
        assert checkin_notices.checkin_notices(session) == {}
