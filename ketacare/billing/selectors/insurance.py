"""Reads of payers, coverage and the Spravato access pathway.

Two kinds of read live here:
- facts other billing code asks inside its own (already permission-checked) actions, no audit:
  `primary_coverage`, `active_authorization`, `authorization_usage`, and the check-in notice;
- access-checked reads for pages and the API: BILLING_VIEW within the user's organisation
  (another organisation's rows: 404), a patient's insurance file audited as a view.
"""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.billing.domain.insurance import (
    ESKETAMINE_CODES,
    Usage,
    UsageFacts,
    authorization_covers_code,
    normalise_code,
    usage,
    within_dates,
)
from ketacare.billing.models import (
    AuthorizationStatus,
    BenefitsInvestigation,
    BenefitsResult,
    Charge,
    ChargeStatus,
    Coverage,
    CoveragePriority,
    Payer,
    PriorAuthorization,
    SessionAcquisition,
)
from ketacare.clinics.models import Location
from ketacare.ledger.models import Drug as LedgerDrug
from ketacare.ledger.models import EntryKind as LedgerEntryKind
from ketacare.ledger.models import LedgerEntry
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient
from ketacare.treatments.models import SessionStatus, TreatmentSession

ESKETAMINE_DRUG = "esketamine"


# --- Facts for other billing code (no permission check, no audit: the caller's action has both)


def patient_today(patient: Patient) -> dt.date:
    """Today at the patient's home location (else the organisation's first location, else UTC)."""
    location = (
        patient.home_location or Location.objects.filter(organisation_id=patient.organisation_id).order_by("pk").first()
    )
    now = timezone.now()
    return now.astimezone(location.zone).date() if location else now.date()


def _in_force(rows: QuerySet, on_date: dt.date) -> list:
    return [row for row in rows if within_dates(row.start_date, row.end_date, on_date)]


def primary_coverage(patient: Patient, on_date: dt.date) -> Coverage | None:
    """The patient's active primary coverage on `on_date` (a self-pay patient: None)."""
    rows = Coverage.objects.filter(patient=patient, is_active=True, priority=CoveragePriority.PRIMARY).select_related(
        "payer"
    )
    in_force = _in_force(rows, on_date)
    return in_force[0] if in_force else None


def _approved_authorizations(patient: Patient) -> QuerySet[PriorAuthorization]:
    return PriorAuthorization.objects.filter(
        patient=patient, status=AuthorizationStatus.APPROVED, coverage__is_active=True
    ).select_related("coverage__payer")


def active_authorization(patient: Patient, on_date: dt.date, code: str | None = None) -> PriorAuthorization | None:
    """The approved authorisation in force on `on_date` covering `code` with visits and units left;
    the one ending soonest when several do (use it up first). None when there is none."""
    candidates = [
        authorization
        for authorization in _approved_authorizations(patient)
        if within_dates(authorization.start_date, authorization.end_date, on_date)
        and authorization_covers_code(authorization.service_code, code)
    ]
    candidates.sort(key=lambda a: (a.end_date or dt.date.max, a.requested_at))
    for authorization in candidates:
        # Visits before `on_date` only: the visit being checked in or billed that day does not use itself up.
        if not usage(_usage_facts(authorization, before=on_date), on_date).is_exhausted:
            return authorization
    return None


def _visit_key(charge: Charge) -> tuple[str, object]:
    if charge.treatment_session_id:
        return ("session", charge.treatment_session_id)
    if charge.consultation_note_id:
        return ("consultation", charge.consultation_note_id)
    if charge.progress_note_id:
        return ("progress", charge.progress_note_id)
    return ("manual", charge.service_date)


def _session_local_date(session: TreatmentSession) -> dt.date:
    return session.checked_in_at.astimezone(session.location.zone).date()


def _uncharged_signed_sessions(authorization: PriorAuthorization, before: dt.date | None) -> int:
    """Signed sessions in the authorisation's dates that no live charge bills: a clinic without charge rules
    still sees its visits counted (an esketamine authorisation counts esketamine sessions only)."""
    sessions = TreatmentSession.objects.filter(patient_id=authorization.patient_id, status=SessionStatus.SIGNED)
    if normalise_code(authorization.service_code) in ESKETAMINE_CODES:
        sessions = sessions.filter(drug=ESKETAMINE_DRUG)
    # A day's margin either side of the dates in UTC; the exact local date is checked below.
    if authorization.start_date:
        sessions = sessions.filter(checked_in_at__date__gte=authorization.start_date - dt.timedelta(days=1))
    if authorization.end_date:
        sessions = sessions.filter(checked_in_at__date__lte=authorization.end_date + dt.timedelta(days=1))
    sessions = sessions.exclude(charges__in=Charge.objects.exclude(status=ChargeStatus.VOIDED)).select_related(
        "location"
    )
    local_dates = [_session_local_date(session) for session in sessions]
    return sum(
        1
        for local_date in local_dates
        if within_dates(authorization.start_date, authorization.end_date, local_date)
        and (before is None or local_date < before)
    )


def _usage_facts(authorization: PriorAuthorization, *, before: dt.date | None = None) -> UsageFacts:
    """Visits used: the distinct visits (session, note, or day of a manual charge) of the live charges that
    name this authorisation, plus the signed sessions in its dates that no live charge bills. Units used:
    the units of its live charges billed with the authorised code. With `before`, only what happened before it."""
    charges = authorization.charges.exclude(status=ChargeStatus.VOIDED)
    if before is not None:
        charges = charges.filter(service_date__lt=before)
    charges = list(charges)
    authorised_code = normalise_code(authorization.service_code)
    units_used = sum(
        (charge.units for charge in charges if not authorised_code or normalise_code(charge.code) == authorised_code),
        start=0,
    )
    return UsageFacts(
        approved_sessions=authorization.approved_sessions,
        approved_units=authorization.approved_units,
        sessions_used=len({_visit_key(charge) for charge in charges})
        + _uncharged_signed_sessions(authorization, before),
        units_used=int(units_used),
        end_date=authorization.end_date,
    )


def authorization_usage(authorization: PriorAuthorization, on_date: dt.date | None = None) -> Usage:
    """Visits and units used and left (everything recorded so far), and days to expiry counted from `on_date`
    (default: the patient's today)."""
    if on_date is None:
        on_date = patient_today(authorization.patient)
    return usage(_usage_facts(authorization), on_date)


def latest_benefits_investigation(coverage: Coverage) -> BenefitsInvestigation | None:
    return coverage.benefits_investigations.order_by("-investigated_at", "-id").first()


def esketamine_authorization_problems(session: TreatmentSession) -> list[str]:
    """What front desk and nurses should know at check-in about an insured esketamine session's prior
    authorisation: missing, used up or expired (or running low, expiring soon); [] when nothing to say.

    A warning, never a block: the clinic may treat and bill the patient or chase the payer later."""
    if not session.is_esketamine:
        return []
    on_date = _session_local_date(session)
    coverage = primary_coverage(session.patient, on_date)
    if coverage is None:
        return []
    investigation = latest_benefits_investigation(coverage)
    if investigation is not None and investigation.result == BenefitsResult.COVERED:
        return []  # the payer said no authorisation is needed
    authorization = active_authorization(session.patient, on_date, "J0013")
    if authorization is not None:
        used = authorization_usage(authorization, on_date)
        if not used.is_exhausted:  # else another visit signed earlier today took the last one
            return used.warnings
    return [_missing_authorization_reason(session.patient, coverage, on_date)]


def _missing_authorization_reason(patient: Patient, coverage: Coverage, on_date: dt.date) -> str:
    payer = coverage.payer.name
    esketamine = [
        a
        for a in PriorAuthorization.objects.filter(patient=patient, coverage__is_active=True)
        if authorization_covers_code(a.service_code, "J0013")
    ]
    approved = [a for a in esketamine if a.status == AuthorizationStatus.APPROVED]
    if any(within_dates(a.start_date, a.end_date, on_date) for a in approved):
        return f"The esketamine prior authorisation with {payer} is used up: ask the payer for more before dosing."
    expired = [a.end_date for a in approved if a.end_date and a.end_date < on_date]
    if expired:
        return f"The esketamine prior authorisation with {payer} expired on {max(expired).isoformat()}."
    if any(a.status == AuthorizationStatus.PENDING for a in esketamine):
        return f"The esketamine prior authorisation with {payer} is still pending."
    return f"No esketamine prior authorisation with {payer} is on file."


# --- Access-checked reads for pages and the API


def payers_for(user, *, include_inactive: bool = True) -> QuerySet[Payer]:
    require_permission(user, Permission.BILLING_VIEW)
    payers = Payer.objects.filter(organisation_id=user.organisation_id)
    return payers if include_inactive else payers.filter(is_active=True)


def access_payer_by_id(user, payer_id: int) -> Payer:
    payer = payers_for(user).filter(pk=db_id_or_zero(payer_id)).first()
    if payer is None:
        raise Http404("No such payer")
    return payer


def billing_patient_by_id(user, patient_id: int, *, audit: bool = True) -> Patient:
    """The patient as a bill needs them (name, date of birth, address, record number): BILLING_VIEW in the
    user's organisation, audited as a view; billing staff have no chart."""
    require_permission(user, Permission.BILLING_VIEW)
    patient = (
        Patient.objects.filter(organisation_id=user.organisation_id, merged_into__isnull=True)
        .select_related("organisation", "home_location")
        .filter(pk=db_id_or_zero(patient_id))
        .first()
    )
    if patient is None:
        raise Http404("No such patient")
    if audit:
        record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"page": "insurance"})
    return patient


@dataclass(frozen=True)
class AuthorizationLine:
    authorization: PriorAuthorization
    usage: Usage


@dataclass(frozen=True)
class InsuranceFile:
    """A patient's coverage, benefits investigations and prior authorisations (newest first)."""

    patient: Patient
    today: dt.date
    coverages: list[Coverage]
    primary: Coverage | None
    investigations: list[BenefitsInvestigation]
    authorizations: list[AuthorizationLine]
    active_authorization: PriorAuthorization | None


def insurance_file(patient: Patient) -> InsuranceFile:
    """Unchecked: call with a patient a selector has already given the user."""
    today = patient_today(patient)
    authorizations = list(patient.prior_authorizations.select_related("coverage__payer", "recorded_by"))
    return InsuranceFile(
        patient=patient,
        today=today,
        coverages=list(patient.coverages.select_related("payer").order_by("-is_active", "priority", "-id")),
        primary=primary_coverage(patient, today),
        investigations=list(
            patient.benefits_investigations.select_related("coverage__payer", "investigated_by").order_by(
                "-investigated_at", "-id"
            )
        ),
        authorizations=[AuthorizationLine(a, authorization_usage(a, today)) for a in authorizations],
        active_authorization=active_authorization(patient, today, "J0013"),
    )


@dataclass(frozen=True)
class InsuranceSummary:
    """What the chart shows of a patient's insurance (views/insurance.py insurance_section): the primary coverage
    in force today, and the esketamine prior authorisation in force with its usage."""

    patient: Patient
    primary: Coverage | None
    esketamine_authorization: AuthorizationLine | None


def insurance_summary(patient: Patient) -> InsuranceSummary:
    """Unchecked, for the chart, which has checked access: insurance_file less the lists (its usage of every
    authorisation was a query each on the chart)."""
    today = patient_today(patient)
    active = active_authorization(patient, today, "J0013")
    return InsuranceSummary(
        patient=patient,
        primary=primary_coverage(patient, today),
        esketamine_authorization=AuthorizationLine(active, authorization_usage(active, today)) if active else None,
    )


def access_insurance_file(user, patient_id: int) -> InsuranceFile:
    return insurance_file(billing_patient_by_id(user, patient_id))


@dataclass(frozen=True)
class WatchedAuthorization:
    authorization: PriorAuthorization
    usage: Usage
    today: dt.date


# Expired authorisations stay on the watch list this long: time to renew or to stop booking.
WATCH_EXPIRED_DAYS = 30


def authorizations_to_watch(user) -> list[WatchedAuthorization]:
    """The organisation's approved authorisations that warn (few visits left, used up, expiring, expired in the
    last 30 days), soonest end first. Listing them is audited."""
    require_permission(user, Permission.BILLING_VIEW)
    today = timezone.now().date()
    candidates = (
        PriorAuthorization.objects.filter(
            organisation_id=user.organisation_id,
            status=AuthorizationStatus.APPROVED,
            coverage__is_active=True,
            end_date__gte=today - dt.timedelta(days=WATCH_EXPIRED_DAYS),
        )
        .select_related("patient__home_location", "coverage__payer")
        .order_by("end_date", "pk")
    )
    rows = []
    for authorization in candidates:
        patient_date = patient_today(authorization.patient)
        used = authorization_usage(authorization, patient_date)
        if used.warnings:
            rows.append(WatchedAuthorization(authorization, used, patient_date))
    record_event(
        user,
        AuditAction.LIST,
        organisation=user.organisation,
        object_type="billing.priorauthorization",
        detail={"list": "authorizations to watch", "count": len(rows)},
    )
    return rows


def _organisation_rows(user, model) -> QuerySet:
    require_permission(user, Permission.BILLING_VIEW)
    return model.objects.filter(organisation_id=user.organisation_id)


def access_coverage_by_id(user, coverage_id: int) -> Coverage:
    coverage = (
        _organisation_rows(user, Coverage).select_related("payer", "patient").filter(pk=db_id_or_zero(coverage_id))
    )
    found = coverage.first()
    if found is None:
        raise Http404("No such coverage")
    return found


def access_authorization_by_id(user, authorization_id: int) -> PriorAuthorization:
    found = (
        _organisation_rows(user, PriorAuthorization)
        .select_related("coverage__payer", "patient")
        .filter(pk=db_id_or_zero(authorization_id))
        .first()
    )
    if found is None:
        raise Http404("No such prior authorisation")
    return found


def may_record_acquisition(user) -> bool:
    """Nurses chart it at the session; billing (and front desk, clinic admin) from the insurance side."""
    return user_may(user, Permission.SESSION_CHART) or user_may(user, Permission.INSURANCE_MANAGE)


def access_session_for_acquisition(user, session_id: int) -> TreatmentSession:
    """A session of the user's organisation, for its acquisition: the care team that sees sessions, or billing."""
    if not user_may(user, Permission.SESSION_VIEW):
        require_permission(user, Permission.BILLING_VIEW)
    session = (
        TreatmentSession.objects.filter(organisation_id=user.organisation_id, pk=db_id_or_zero(session_id))
        .select_related("patient", "location")
        .first()
    )
    if session is None:
        raise Http404("No such session")
    return session


def session_acquisition(session: TreatmentSession) -> SessionAcquisition | None:
    return SessionAcquisition.objects.filter(session=session).select_related("shipment_receipt", "recorded_by").first()


def shipment_receipts_for(session: TreatmentSession) -> QuerySet[LedgerEntry]:
    """Ledger receipts of esketamine at the session's location that may be this patient's specialty-pharmacy
    shipment: none of the container was drawn for another patient, and no other patient's session names it."""
    drawn_for_someone_else = LedgerEntry.objects.filter(vial=OuterRef("vial"), patient__isnull=False).exclude(
        patient_id=session.patient_id
    )
    named_for_someone_else = SessionAcquisition.objects.filter(shipment_receipt=OuterRef("pk")).exclude(
        session__patient_id=session.patient_id
    )
    return (
        LedgerEntry.objects.filter(
            organisation_id=session.organisation_id,
            location_id=session.location_id,
            kind=LedgerEntryKind.RECEIPT,
            vial__product__drug=LedgerDrug.ESKETAMINE,
        )
        .exclude(Exists(drawn_for_someone_else))
        .exclude(Exists(named_for_someone_else))
        .select_related("vial__product")
        .order_by("-occurred_at", "-id")
    )
