"""The facts other billing code asks (primary coverage, the authorisation in force, visits used) and the check-in
notice on an insured esketamine session: missing, used up, expired, running low; a warning, never a block."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from ketacare.billing.domain.insurance import authorization_covers_code
from ketacare.billing.models import (
    AuthorizationStatus,
    BenefitsInvestigation,
    BenefitsResult,
    Charge,
    ChargeStatus,
    CodeSystem,
    CoveragePriority,
    PayerKind,
)
from ketacare.billing.selectors.insurance import (
    active_authorization,
    authorization_usage,
    esketamine_authorization_problems,
    primary_coverage,
)
from ketacare.ledger.selectors import location_today
from ketacare.treatments.checkin_notices import checkin_notices
from ketacare.treatments.models import SessionStatus, TreatmentSession
from ketacare.treatments.start_checks import start_check_problems

pytestmark = pytest.mark.django_db


@pytest.fixture
def today(portland):
    return location_today(portland)


@pytest.fixture
def coverage(aetna_coverage):
    return aetna_coverage


@pytest.fixture
def authorize(make_prior_authorization):
    """authorize(coverage, staff, today, **fields): approved for J0013 from 30 days before `today` to 60 after."""

    def build(coverage, staff, today, **fields):
        window = {"start_date": today - dt.timedelta(days=30), "end_date": today + dt.timedelta(days=60)}
        return make_prior_authorization(coverage, staff["billing"], **{**window, **fields})

    return build


def charge(authorization, session, *, code="J0013", units="56", status=ChargeStatus.DRAFT, service_date=None):
    return Charge.objects.create(
        organisation=authorization.organisation,
        patient=authorization.patient,
        location=session.location,
        service_date=service_date or session.checked_in_at.astimezone(session.location.zone).date(),
        code_system=CodeSystem.HCPCS,
        code=code,
        description="Esketamine 1 mg",
        units=Decimal(units),
        unit_price=Decimal("12.00"),
        amount=Decimal("12.00") * Decimal(units),
        treatment_session=session,
        prior_authorization=authorization,
        status=status,
        created_at=timezone.now(),
        created_by=authorization.recorded_by,
    )


def local_day(session) -> dt.date:
    return session.checked_in_at.astimezone(session.location.zone).date()


def signed_copy(session, days_ago: int):
    """Another signed esketamine session of the same plan, `days_ago` days before `session` (written directly)."""
    return TreatmentSession.objects.create(
        organisation=session.organisation,
        location=session.location,
        patient=session.patient,
        plan=session.plan,
        template=session.template,
        route=session.route,
        drug=session.drug,
        status=SessionStatus.SIGNED,
        monitoring_clinician=session.monitoring_clinician,
        checked_in_at=session.checked_in_at - dt.timedelta(days=days_ago),
        signed_at=session.checked_in_at - dt.timedelta(days=days_ago),
        created_by=session.created_by,
    )


# ---------------------------------------------------------------- primary coverage


def test_primary_coverage_is_the_active_primary_in_force_on_the_date(patient, staff, today, make_payer, make_coverage):
    savings = make_payer(patient.organisation, name="Spravato savings", kind=PayerKind.SAVINGS_PROGRAM)
    make_coverage(patient, savings, staff["billing"], priority=CoveragePriority.SECONDARY)
    assert primary_coverage(patient, today) is None  # a savings program alone: still self-pay
    insurer = make_coverage(
        patient, make_payer(patient.organisation), staff["billing"], start_date=today, end_date=today
    )
    assert primary_coverage(patient, today) == insurer
    assert primary_coverage(patient, today + dt.timedelta(days=1)) is None
    assert primary_coverage(patient, today - dt.timedelta(days=1)) is None


# ---------------------------------------------------------------- the authorisation in force


def test_an_esketamine_authorization_covers_every_esketamine_code_and_nothing_else():
    assert authorization_covers_code("J0013", "G2083")
    assert authorization_covers_code("j0013", "G2082")
    assert not authorization_covers_code("J0013", "96365")
    assert authorization_covers_code("", "96365")  # no code on the authorisation: any service


def test_active_authorization_is_approved_in_dates_and_covers_the_code(coverage, staff, today, authorize):
    pending = authorize(coverage, staff, today, status=AuthorizationStatus.PENDING, number="")
    assert active_authorization(coverage.patient, today, "J0013") is None
    later = authorize(coverage, staff, today, end_date=today + dt.timedelta(days=90), number="PA-LATE")
    sooner = authorize(coverage, staff, today, end_date=today + dt.timedelta(days=20), number="PA-SOON")
    assert active_authorization(coverage.patient, today, "G2083") == sooner  # use the one ending first
    assert active_authorization(coverage.patient, today, "96365") is None
    assert active_authorization(coverage.patient, today + dt.timedelta(days=21), "J0013") == later
    assert active_authorization(coverage.patient, today + dt.timedelta(days=91), "J0013") is None
    assert pending.status == AuthorizationStatus.PENDING


def test_an_authorization_used_up_before_the_day_is_not_active_but_the_days_own_visit_does_not_use_it_up(
    coverage, staff, today, make_chart, authorize
):
    authorization = authorize(coverage, staff, today, approved_sessions=1)
    session = make_chart(patient=coverage.patient)
    visit_day = local_day(session)
    # The visit being billed that day (charges are made while the session is signed) keeps its authorisation.
    charge(authorization, session)
    assert active_authorization(coverage.patient, visit_day, "J0013") == authorization
    # The next day the one approved visit is gone.
    assert active_authorization(coverage.patient, visit_day + dt.timedelta(days=1), "J0013") is None


# ---------------------------------------------------------------- visits used


def test_visits_used_count_charged_visits_once_and_signed_sessions_without_charges(
    coverage, staff, today, make_chart, authorize
):
    authorization = authorize(coverage, staff, today, approved_sessions=8, approved_units=500)
    session = make_chart(patient=coverage.patient)
    charge(authorization, session, units="56")
    charge(authorization, session, code="99214", units="1")  # a second line of the same visit
    voided = charge(authorization, signed_copy(session, 3), status=ChargeStatus.VOIDED)
    signed_copy(session, 7)  # a clinic without charge rules: its signed session still counts
    signed_copy(session, 60)  # before the authorisation's dates
    used = authorization_usage(authorization, today)
    # One charged visit (two lines); two signed sessions no live charge bills (7 days ago, and 3 days ago whose
    # only charge was voided); the one 60 days ago is before the authorisation.
    assert (used.sessions_used, used.sessions_left) == (3, 5)
    assert (used.units_used, used.units_left) == (56, 444)  # J0013 units only, voided excluded
    assert voided.treatment_session.status == SessionStatus.SIGNED


def test_usage_warns_when_two_visits_are_left_and_when_it_expires_within_fourteen_days(
    coverage, staff, today, make_chart, authorize
):
    authorization = authorize(coverage, staff, today, approved_sessions=3, end_date=today + dt.timedelta(days=40))
    session = make_chart(patient=coverage.patient)
    assert authorization_usage(authorization, today).warnings == []
    signed_copy(session, 2)
    assert authorization_usage(authorization, today).warnings == [
        "Only 2 approved session(s) left on the prior authorisation."
    ]
    assert "expires in 14 day(s)" in " ".join(
        authorization_usage(authorization, today + dt.timedelta(days=26)).warnings
    )
    assert "expires" not in " ".join(authorization_usage(authorization, today + dt.timedelta(days=25)).warnings)


# ---------------------------------------------------------------- the check-in notice


@pytest.fixture
def open_session(make_chart, patient):
    """An esketamine session in progress (observing) at Portland."""
    return make_chart(patient=patient, discharged=False, start=timezone.now() - dt.timedelta(minutes=30))


@pytest.fixture
def session_day(open_session):
    """The open session's date at its location (what the notice compares with)."""
    return local_day(open_session)


def test_an_insured_esketamine_session_without_an_authorization_warns(open_session, coverage):
    assert esketamine_authorization_problems(open_session) == [
        "No esketamine prior authorisation with Aetna is on file."
    ]
    assert checkin_notices(open_session) == {
        "prior_authorization": ["No esketamine prior authorisation with Aetna is on file."]
    }


def test_a_pending_authorization_is_named(open_session, coverage, staff, session_day, authorize):
    authorize(coverage, staff, session_day, status=AuthorizationStatus.PENDING, number="")
    assert esketamine_authorization_problems(open_session) == [
        "The esketamine prior authorisation with Aetna is still pending."
    ]


def test_an_expired_authorization_warns_with_its_end_date(open_session, coverage, staff, session_day, authorize):
    end = session_day - dt.timedelta(days=1)
    authorize(coverage, staff, session_day, start_date=session_day - dt.timedelta(days=90), end_date=end)
    assert esketamine_authorization_problems(open_session) == [
        f"The esketamine prior authorisation with Aetna expired on {end.isoformat()}."
    ]


def test_a_used_up_authorization_warns(open_session, coverage, staff, session_day, authorize):
    authorize(coverage, staff, session_day, approved_sessions=2)
    signed_copy(open_session, 3)
    signed_copy(open_session, 10)
    assert esketamine_authorization_problems(open_session) == [
        "The esketamine prior authorisation with Aetna is used up: ask the payer for more before dosing."
    ]


def test_an_authorization_with_visits_left_says_nothing_and_warns_when_running_low(
    open_session, coverage, staff, session_day, authorize
):
    authorize(coverage, staff, session_day, approved_sessions=4)
    assert esketamine_authorization_problems(open_session) == []
    signed_copy(open_session, 3)
    signed_copy(open_session, 6)
    assert esketamine_authorization_problems(open_session) == [
        "Only 2 approved session(s) left on the prior authorisation."
    ]


def test_no_notice_for_self_pay_for_a_payer_needing_no_authorization_or_for_a_closed_session(
    open_session, coverage, staff
):
    assert esketamine_authorization_problems(open_session) != []
    BenefitsInvestigation.objects.create(
        organisation=coverage.organisation,
        patient=coverage.patient,
        coverage=coverage,
        investigated_at=timezone.now(),
        investigated_by=staff["billing"],
        result=BenefitsResult.COVERED,
    )
    assert esketamine_authorization_problems(open_session) == []  # the payer said none is needed
    coverage.is_active = False
    coverage.save()
    BenefitsInvestigation.objects.all().delete()
    assert esketamine_authorization_problems(open_session) == []  # self-pay
    coverage.is_active = True
    coverage.save()
    TreatmentSession.objects.filter(pk=open_session.pk).update(status=SessionStatus.SIGNED)
    open_session.refresh_from_db()
    assert checkin_notices(open_session) == {}


def test_the_notice_never_blocks_a_dose(open_session, coverage):
    assert checkin_notices(open_session)
    assert "prior_authorization" not in start_check_problems(open_session)


def test_the_session_chart_shows_the_notice(open_session, coverage, staff, signed_in):
    page = signed_in(staff["nurse"]).get(reverse("treatments:session", args=[open_session.pk]))
    assert page.status_code == 200
    assert "No esketamine prior authorisation with Aetna is on file." in page.content.decode()
    assert 'id="checkin-notices"' in page.content.decode()


def test_signed_sessions_charge_under_the_authorization_and_use_it_up(
    patient,
    portland,
    staff,
    fee_schedule,
    coverage,
    authorize,
    today,
    make_treatment_plan,
    make_discharged_session,
    sign_session,
    make_chart,
):
    """Through the signing hook: each esketamine session's J0013 charge names the authorisation (the E/M line,
    another code, does not), its visits and mg are counted, and the next session's check-in warns it is used up."""
    authorization = authorize(coverage, staff, today, approved_sessions=2, approved_units=200)
    plan = make_treatment_plan(patient, "esketamine-nasal", staff["prescriber"])
    three_hours_ago = timezone.now() - dt.timedelta(hours=3)
    for start in (three_hours_ago - dt.timedelta(days=1), three_hours_ago):
        session = make_discharged_session(plan, portland, staff["nurse"], staff["prescriber"], devices=3, start=start)
        sign_session(session, staff["nurse"], staff["prescriber"])
        lines = {c.code: c.prior_authorization_id for c in Charge.objects.filter(treatment_session=session)}
        assert lines == {"J0013": authorization.pk, "99214": None}
    used = authorization_usage(authorization, today)
    assert (used.sessions_used, used.units_used, used.sessions_left, used.units_left) == (2, 168, 0, 32)
    assert esketamine_authorization_problems(make_chart(patient=patient, discharged=False)) == [
        "The esketamine prior authorisation with Aetna is used up: ask the payer for more before dosing."
    ]
