"""Access-checked reads of REMS records, and the REMS check before an esketamine session.

- staff with REMS_VIEW see their own organisation's certifications, enrollments and forms;
- anything of another organisation: 404; a role without the permission: 403;
- reads of a patient's REMS records are audited.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Min, QuerySet
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.rems.chart import treatment_date
from ketacare.rems.domain.rules import (
    CertificationFacts,
    PmfState,
    certification_problem,
    enrollment_problem,
    pmf_deadline,
    pmf_state,
)
from ketacare.rems.models import MonitoringForm, RemsCertification, RemsEnrollment
from ketacare.treatments.models import SessionStatus, TreatmentSession


def pmf_deadline_days() -> int:
    """CLINICAL.md §2 (7 days); a setting because a REMS modification is UNVERIFIED."""
    return settings.REMS_PMF_DEADLINE_DAYS


def location_today(location: Location) -> dt.date:
    return timezone.now().astimezone(location.zone).date()


def enrollment_default_date(patient: Patient) -> dt.date:
    """The date an enrollment recorded now is given by default: today at the patient's home
    location, else the earliest "today" among the clinic's locations, so that no location (which
    compares in its own zone) sees the enrollment as dated tomorrow. (Patient.today() without a
    home location is the latest date anywhere: right for refusing future dates, wrong here.)"""
    if patient.home_location_id:
        return location_today(patient.home_location)
    todays = [
        location_today(location)
        for location in Location.objects.filter(organisation_id=patient.organisation_id, is_active=True)
    ]
    return min(todays, default=timezone.localdate())


def rems_blockers(patient: Patient, location: Location | None, on: dt.date | None = None) -> list[str]:
    """Why an esketamine session for `patient` at `location` may not start; [] when it may.

    Asked before an esketamine dose is drawn and before each device, through the start check
    registered with treatments (session_rems_blockers; CLINICAL.md §2: the outpatient setting
    must be certified and the patient enrolled before the first treatment).
    `on` defaults to today in the location's time zone.
    """
    if location is None:
        return ["Choose the location of the session: esketamine is given only in a REMS-certified setting."]
    today = on or location_today(location)
    certifications = [
        CertificationFacts(c.certificate_id, c.certified_on, c.expires_on, c.is_active)
        for c in RemsCertification.objects.filter(location=location)
    ]
    enrolled_on = list(
        RemsEnrollment.objects.filter(patient=patient, is_active=True).values_list("enrolled_on", flat=True)
    )
    problems = [
        certification_problem(location.name, certifications, today),
        enrollment_problem(patient.full_name, enrolled_on, today),
    ]
    return [problem for problem in problems if problem]


def session_rems_blockers(session: TreatmentSession) -> list[str]:
    """The start check REMS registers with treatments (apps.py): rems_blockers() for an
    esketamine session at its location; other drugs are not the REMS's concern."""
    if not session.is_esketamine:
        return []
    return rems_blockers(session.patient, session.location)


# ---------------------------------------------------------------- certifications and enrollments


def certifications_of(user) -> list[RemsCertification]:
    """Every certification of the user's organisation's locations, newest first per location."""
    require_permission(user, Permission.REMS_VIEW)
    return list(
        RemsCertification.objects.filter(location__organisation_id=user.organisation_id).select_related(
            "location", "recorded_by"
        )
    )


@dataclass(frozen=True)
class LocationStatus:
    location: Location
    problem: str  # '' when certified today


def location_statuses(user) -> list[LocationStatus]:
    require_permission(user, Permission.REMS_VIEW)
    certifications = certifications_of(user)
    rows = []
    for location in Location.objects.filter(organisation_id=user.organisation_id, is_active=True).order_by("name"):
        facts = [
            CertificationFacts(c.certificate_id, c.certified_on, c.expires_on, c.is_active)
            for c in certifications
            if c.location_id == location.pk
        ]
        rows.append(LocationStatus(location, certification_problem(location.name, facts, location_today(location))))
    return rows


@dataclass(frozen=True)
class PatientRems:
    patient: Patient
    enrollments: list[RemsEnrollment]
    forms: list[MonitoringForm]

    @property
    def active_enrollment(self) -> RemsEnrollment | None:
        return next((e for e in self.enrollments if e.is_active), None)


def access_patient_rems_by_patient_id(user, patient_id: int) -> PatientRems:
    """A patient's REMS enrollments and monitoring forms (audited as a view of the patient)."""
    require_permission(user, Permission.REMS_VIEW)
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    record_event(user, AuditAction.VIEW, patient, patient=patient, detail={"rems": True})
    return PatientRems(
        patient=patient,
        enrollments=list(patient.rems_enrollments.select_related("enrolled_by", "recorded_by")),
        forms=list(patient.rems_forms.select_related("location")),
    )


# ---------------------------------------------------------------- monitoring forms


def _visible_forms(user) -> QuerySet[MonitoringForm]:
    require_permission(user, Permission.REMS_VIEW)
    return MonitoringForm.objects.filter(organisation_id=user.organisation_id).select_related(
        "patient",
        "patient__organisation",
        "location",
        "monitoring_clinician",
        "finalised_by",
        "submitted_by",
        "session",
    )


def access_form_by_id(user, form_id: int, *, audit: bool = True, for_update: bool = False) -> MonitoringForm:
    forms = _visible_forms(user)
    if for_update:
        forms = forms.select_for_update(of=("self",))
    form = forms.filter(pk=db_id_or_zero(form_id)).first()
    if form is None:
        raise Http404("No such monitoring form")
    if audit:
        record_event(user, AuditAction.VIEW, form, patient=form.patient)
    return form


@dataclass(frozen=True)
class DashboardRow:
    form: MonitoringForm | None
    session_id: int | None
    patient: Patient
    location: Location
    treatment_date: dt.date
    deadline: dt.date
    state: str  # PmfState.DUE | PmfState.OVERDUE
    days_left: int


@dataclass(frozen=True)
class Dashboard:
    due: list[DashboardRow]
    overdue: list[DashboardRow]
    locations: list[LocationStatus]
    deadline_days: int


def rems_dashboard(user) -> Dashboard:
    """Forms not yet submitted (and esketamine sessions without a form), due within the deadline
    or overdue, soonest deadline first (audited as one list)."""
    require_permission(user, Permission.REMS_VIEW)
    days = pmf_deadline_days()
    rows = []
    for form in _visible_forms(user).filter(submitted_on__isnull=True):
        on = form.treatment_date or timezone.localtime(form.created_at, form.location.zone).date()
        rows.append(_row(form, form.session_id, form.patient, form.location, on, days))
    sessions = (
        TreatmentSession.objects.filter(
            organisation_id=user.organisation_id,
            drug="esketamine",
            status__in=[SessionStatus.DISCHARGED, SessionStatus.SIGNED],
            rems_form__isnull=True,
        )
        .select_related("patient", "location")
        .annotate(first_device=Min("devices__administered_at"))
    )
    for session in sessions:
        rows.append(
            _row(
                None, session.pk, session.patient, session.location, treatment_date(session, session.first_device), days
            )
        )
    rows.sort(key=lambda row: (row.deadline, row.patient.last_name))
    record_event(
        user,
        AuditAction.LIST,
        object_type="rems.monitoringform",
        organisation=user.organisation,
        detail={"outstanding": len(rows)},
    )
    return Dashboard(
        due=[r for r in rows if r.state == PmfState.DUE],
        overdue=[r for r in rows if r.state == PmfState.OVERDUE],
        locations=location_statuses(user),
        deadline_days=days,
    )


def _row(form, session_id, patient, location, treatment_date, days) -> DashboardRow:
    today = location_today(location)
    deadline = pmf_deadline(treatment_date, days)
    return DashboardRow(
        form,
        session_id,
        patient,
        location,
        treatment_date,
        deadline,
        pmf_state(treatment_date, None, today, days),
        (deadline - today).days,
    )


def access_form_for_print(user, form_id: int) -> MonitoringForm:
    """The form for its printable PDF (audited as an export)."""
    form = access_form_by_id(user, form_id, audit=False)
    record_event(user, AuditAction.EXPORT, form, patient=form.patient, detail={"format": "pdf"})
    return form
