"""Access-checked reads of questionnaires, responses and alerts.

- staff see only their own organisation's patients (via patients.selectors), with MEASURES_VIEW;
- a patient sees only their own questionnaires;
- an emailed link opens exactly its own assignment, and only while the link is valid;
- anything else is a 404, so ids do not leak.

Also the scores outcomes are computed from (`effective_responses`) and the clinic's remission
threshold, which protocols (maintenance) and reports (trends, dashboard) build on.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission, user_may
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.fixed_reads import FixedRead
from ketacare.lib.ids import db_id_or_zero, is_db_id
from ketacare.measures.domain.instruments import Instrument
from ketacare.measures.models import (
    Alert,
    AlertStatus,
    AssignmentStatus,
    MeasurementSettings,
    QuestionnaireAssignment,
    QuestionnaireResponse,
    ResponseStatus,
    hash_link_token,
)
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id


@dataclass(frozen=True)
class PatientMeasures:
    patient: Patient
    assignments: list[QuestionnaireAssignment]
    responses: list[QuestionnaireResponse]  # newest first; in-progress ones last
    alerts: list[Alert]


def access_measures_by_patient_id(user, patient_id: int) -> PatientMeasures:
    """A patient's questionnaires, responses and alerts for staff (audited as a view of the chart)."""
    require_permission(user, Permission.MEASURES_VIEW)
    if not is_db_id(patient_id):
        raise Http404("No such patient")
    patient = access_patient_by_id(user, patient_id)
    return PatientMeasures(
        patient=patient,
        assignments=list(patient.questionnaire_assignments.select_related("assigned_by")),
        responses=list(patient.questionnaire_responses.select_related("entered_by", "amends")),
        alerts=list(patient.measure_alerts.select_related("acknowledged_by", "response")),
    )


def access_response_by_id(user, response_id: int, *, audit: bool = True) -> QuestionnaireResponse:
    """One response of the staff member's organisation; 404 for anyone else's."""
    require_permission(user, Permission.MEASURES_VIEW)
    response = (
        QuestionnaireResponse.objects.select_related("patient__organisation")
        .filter(pk=db_id_or_zero(response_id), patient__organisation_id=user.organisation_id)
        .first()
    )
    if response is None:
        raise Http404("No such response")
    if audit:
        record_event(user, AuditAction.VIEW, response, patient=response.patient)
    return response


def access_assignment_by_token(token: str) -> QuestionnaireAssignment | None:
    """The assignment an emailed link opens, whatever its state (the page says done/expired); None if unknown."""
    if not token or len(token) > 100:
        return None
    return (
        QuestionnaireAssignment.objects.select_related("patient__organisation")
        .filter(link_token_sha256=hash_link_token(token))
        .first()
    )


def link_is_open(assignment: QuestionnaireAssignment) -> bool:
    return (
        assignment.status == AssignmentStatus.PENDING
        and assignment.link_expires_at is not None
        and assignment.link_expires_at > timezone.now()
    )


def access_own_assignments(user) -> list[QuestionnaireAssignment]:
    """The signed-in patient's pending questionnaires (portal list), soonest due first."""
    require_permission(user, Permission.OWN_RECORD_VIEW)
    assignments = list(
        QuestionnaireAssignment.objects.filter(patient__user=user, status=AssignmentStatus.PENDING)
        .select_related("patient__organisation", "patient__home_location")
        .order_by("due_at", "id")
    )
    patient = assignments[0].patient if assignments else Patient.objects.filter(user=user).first()
    record_event(
        user,
        AuditAction.LIST,
        object_type="measures.questionnaireassignment",
        patient=patient,
        organisation=user.organisation,
        detail={"results": len(assignments)},
    )
    return assignments


def access_assignment_for_answering(user, assignment_id: int) -> QuestionnaireAssignment:
    """An assignment the signed-in user may answer: a patient their own (portal), staff their
    organisation's (tablet check-in, MEASURES_ASSIGN). 404 otherwise."""
    assignments = QuestionnaireAssignment.objects.select_related("patient__organisation")
    if user_may(user, Permission.OWN_RECORD_VIEW):
        assignments = assignments.filter(patient__user=user)
    elif user_may(user, Permission.MEASURES_ASSIGN) and user.organisation_id is not None:
        assignments = assignments.filter(patient__organisation_id=user.organisation_id)
    else:
        assignments = assignments.none()
    assignment = assignments.filter(pk=db_id_or_zero(assignment_id)).first()
    if assignment is None:
        raise Http404("No such questionnaire")
    return assignment


def _org_alerts(user) -> QuerySet[Alert]:
    require_permission(user, Permission.MEASURES_ALERTS_VIEW)
    return Alert.objects.filter(patient__organisation_id=user.organisation_id).select_related(
        "patient__home_location", "response", "acknowledged_by"
    )


# The navigation's count runs on every page of every role that sees alerts, and building its SQL from a queryset
# cost twenty times what the database takes to answer it (issue 19: 0.42 ms against 0.02 ms). So it is a FixedRead:
# the database counts the open alerts of this very request, nothing is kept between requests, so the count is
# never stale (measures/tests/test_alert_count.py). Its plan reads the open alerts by `alert_status_raised`.
_OPEN_ALERT_COUNT = FixedRead(
    Alert,
    lambda organisation_id: (
        Alert.objects.filter(patient__organisation_id=organisation_id, status=AlertStatus.OPEN)
        .order_by()
        .values("patient__organisation_id")
        .annotate(open_alerts=Count("pk"))
        .values_list("open_alerts")
    ),
    organisation_id=int,
)


def open_alert_count(user) -> int:
    """For the navigation: the organisation's open alerts, one COUNT, not audited (a number, no patient data)."""
    if user.organisation_id is None:
        return 0
    rows = _OPEN_ALERT_COUNT.rows(organisation_id=user.organisation_id)
    return rows[0][0] if rows else 0


def open_alerts(user) -> list[Alert]:
    """The safety dashboard: the organisation's open alerts, oldest first (audited as a list)."""
    alerts = list(_org_alerts(user).filter(status=AlertStatus.OPEN).order_by("raised_at", "id"))
    record_event(
        user,
        AuditAction.LIST,
        object_type="measures.alert",
        organisation=user.organisation,
        detail={"open": len(alerts)},
    )
    return alerts


def access_alert_by_id(user, alert_id: int) -> Alert:
    alert = _org_alerts(user).filter(pk=db_id_or_zero(alert_id)).first()
    if alert is None:
        raise Http404("No such alert")
    return alert


# ---------------------------------------------------------------- what outcomes are computed from


def effective_responses() -> QuerySet[QuestionnaireResponse]:
    """Submitted responses not replaced by a submitted amendment, with `taken_at` (the time the
    score stands for: an amendment takes the time of the response it corrects)."""
    return (
        QuestionnaireResponse.objects.filter(status=ResponseStatus.SUBMITTED)
        .exclude(Exists(QuestionnaireResponse.objects.filter(amends=OuterRef("pk"), status=ResponseStatus.SUBMITTED)))
        .annotate(taken_at=Coalesce("amends__submitted_at", "submitted_at"))
    )


def remission_max(instrument: Instrument, settings: MeasurementSettings) -> int | None:
    """The clinic's remission threshold: MADRS from the clinic settings, others the instrument's."""
    if instrument.remission is None:
        return None
    return settings.madrs_remission_max if instrument.code == "madrs" else instrument.remission.max_total


def organisation_remission_max(instrument: Instrument, organisation_id: int) -> int | None:
    """remission_max for an organisation, reading its settings only for the one threshold they hold (MADRS's)."""
    settings = MeasurementSettings(organisation_id=organisation_id)  # the defaults, unsaved
    if instrument.code == "madrs":
        settings = MeasurementSettings.objects.filter(organisation_id=organisation_id).first() or settings
    return remission_max(instrument, settings)
