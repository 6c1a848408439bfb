"""Appointment (the booked visits), Consent (signed informed consents, the signed PDF as attachment) and CarePlan
(treatment plans)."""

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from ketacare.accounts.domain.roles import Permission
from ketacare.consents.models import SignedConsent
from ketacare.fhir.domain import codes
from ketacare.fhir.domain.search import SearchError
from ketacare.fhir.mappers import concept, instant, reference, with_meta, without_empty
from ketacare.fhir.mappers.filters import any_of, date_filter, fixed_token
from ketacare.fhir.registry import PATIENT_PARAM, ResourceType, Scope, SearchParam, Source, register
from ketacare.protocols.models import Route, TreatmentPlan
from ketacare.scheduling.models import Appointment, AppointmentStatus

# Appointment.status → FHIR R4 appointmentstatus.
APPOINTMENT_STATUS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.CHECKED_IN: "checked-in",
    AppointmentStatus.COMPLETED: "fulfilled",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.LATE_CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "noshow",
}
APPOINTMENT_TYPE_SYSTEM = f"{codes.KETACARE_FHIR}/CodeSystem/appointment-kind"


def _actor(user, kind: str = "Practitioner") -> dict:
    return {"actor": reference(kind, user.pk, user.display_name), "required": "required", "status": "accepted"}


def appointment_resource(appointment: Appointment, scope: Scope) -> dict:
    participants = [
        {"actor": reference("Patient", appointment.patient_id), "required": "required", "status": "accepted"},
        {
            "actor": reference("Location", appointment.location_id, appointment.location.name),
            "required": "required",
            "status": "accepted",
        },
    ]
    for user in (appointment.clinician, appointment.monitoring_nurse):
        if user is not None:
            participants.append(_actor(user))
    kind = appointment.appointment_type
    return without_empty(
        {
            "resourceType": "Appointment",
            "id": str(appointment.pk),
            "status": APPOINTMENT_STATUS[appointment.status],
            "cancelationReason": {"text": appointment.get_status_display()}
            if appointment.status == AppointmentStatus.LATE_CANCELLED
            else None,
            "serviceType": [concept(APPOINTMENT_TYPE_SYSTEM, kind.kind, kind.get_kind_display(), kind.name)],
            "description": kind.name,
            "start": instant(appointment.starts_at),
            "end": instant(appointment.ends_at),
            "minutesDuration": int((appointment.ends_at - appointment.starts_at).total_seconds() // 60),
            "created": instant(appointment.created_at),
            "participant": participants,
        }
    )


def _appointment_status(value: str) -> Q:
    stored = [ours for ours, fhir in APPOINTMENT_STATUS.items() if fhir == value]
    if not stored:
        raise SearchError("status", f"{value!r} is not one of {', '.join(sorted(set(APPOINTMENT_STATUS.values())))}")
    return Q(status__in=stored)


register(
    ResourceType(
        name="Appointment",
        documentation="Booked visits (sessions, consultations, integration therapy, follow-ups) with their "
        "location, clinician and monitoring nurse. No US Core profile exists for Appointment.",
        search_params=(
            PATIENT_PARAM,
            SearchParam("date", "date", "When it starts."),
            SearchParam("status", "token", "booked, checked-in, fulfilled, cancelled or noshow."),
        ),
        sources=(
            Source(
                key="",
                rows=lambda scope: Appointment.objects.filter(
                    organisation_id=scope.organisation_id, patient__merged_into__isnull=True
                ).select_related("patient", "location", "appointment_type", "clinician", "monitoring_nurse"),
                to_resource=appointment_resource,
                permission=Permission.SCHEDULE_VIEW,
                filters={"date": date_filter("date", "starts_at"), "status": any_of(_appointment_status)},
            ),
        ),
    )
)


def consent_pdf_url(consent: SignedConsent, scope: Scope) -> str:
    """The signed PDF where this reader downloads it: the portal for the patient, the chart for staff."""
    name = "consents:portal_pdf" if scope.patient_id is not None else "consents:pdf"
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse(name, kwargs={'consent_id': consent.pk})}"


def consent_resource(consent: SignedConsent, scope: Scope) -> dict:
    revocation = getattr(consent, "revocation", None)
    expired = consent.expires_at is not None and consent.expires_at <= timezone.now()
    template = consent.template
    return without_empty(
        {
            "resourceType": "Consent",
            "id": str(consent.pk),
            # R4 consent-state-codes: a revoked or expired consent is no longer in force.
            "status": "inactive" if revocation is not None or expired else "active",
            "scope": concept("http://terminology.hl7.org/CodeSystem/consentscope", "treatment", "Treatment"),
            "category": [concept(codes.LOINC, "59284-0", "Consent Document", template.title)],
            "patient": reference("Patient", consent.patient_id),
            "dateTime": instant(consent.signed_at),
            "performer": [reference("Patient", consent.patient_id)],
            "organization": [reference("Organization", scope.organisation_id)],
            "sourceAttachment": {
                "contentType": "application/pdf",
                "url": consent_pdf_url(consent, scope),
                "title": f"{template.title} (signed)",
                "creation": instant(consent.signed_at),
            },
            # The exact text signed is the policy; its SHA-256 is kept with the consent.
            "policy": [{"uri": f"{codes.KETACARE_FHIR}/consent-text/sha256/{consent.text_sha256}"}],
            "provision": without_empty(
                {
                    "type": "permit",
                    "period": without_empty(
                        {
                            "start": instant(consent.signed_at),
                            "end": instant(revocation.revoked_at if revocation else consent.expires_at),
                        }
                    ),
                }
            ),
        }
    )


register(
    ResourceType(
        name="Consent",
        documentation="Signed informed consents: the template signed, when, in force or not (revoked or expired "
        "→ inactive), the signed PDF as sourceAttachment (URL of the chart's or the portal's download).",
        search_params=(PATIENT_PARAM, SearchParam("date", "date", "When it was signed.")),
        sources=(
            Source(
                key="",
                rows=lambda scope: (
                    SignedConsent.objects.filter(
                        patient__organisation_id=scope.organisation_id, patient__merged_into__isnull=True
                    )
                    .select_related("template", "revocation")
                    .defer("pdf", "signature_png", "text_signed")
                ),
                to_resource=consent_resource,
                permission=Permission.PATIENT_VIEW,
                filters={"date": date_filter("date", "signed_at")},
            ),
        ),
    )
)


# TreatmentPlan.status → CarePlan.status (R4 request-status); a stopped course was ended early: revoked.
PLAN_STATUS = {
    "proposed": "draft",
    "active": "active",
    "paused": "on-hold",
    "completed": "completed",
    "stopped": "revoked",
}
ADJUNCT_STATUS = {"planned": "not-started", "active": "in-progress", "done": "completed", "cancelled": "cancelled"}
ADJUNCT_SYSTEM = f"{codes.KETACARE_FHIR}/CodeSystem/adjunct-care"


def care_plan_resource(plan: TreatmentPlan, scope: Scope) -> dict:
    template = plan.template
    title = f"{template.name} (version {template.version})"
    sessions = [
        {
            "detail": {
                "kind": "Appointment",
                "status": "completed" if planned.completed_at else "not-started",
                "description": f"Treatment session {planned.sequence}",
                "scheduledPeriod": {"start": planned.window_start.isoformat(), "end": planned.window_end.isoformat()},
            }
        }
        for planned in plan.sessions.all()
    ]
    adjuncts = [
        {
            "detail": {
                "code": concept(ADJUNCT_SYSTEM, adjunct.kind, adjunct.get_kind_display(), adjunct.description),
                "status": ADJUNCT_STATUS[adjunct.status],
                "description": adjunct.description,
            }
        }
        for adjunct in plan.adjuncts.all()
    ]
    resource = {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        # US Core CarePlan asks for a narrative; user text in it is escaped.
        "text": {
            "status": "generated",
            "div": f'<div xmlns="http://www.w3.org/1999/xhtml">{escape(title)}: {len(sessions)} planned sessions '
            f"from {plan.start_date.isoformat()}, status {escape(plan.status)}.</div>",
        },
        "status": PLAN_STATUS[plan.status],
        "intent": "plan",
        "category": [concept("http://hl7.org/fhir/us/core/CodeSystem/careplan-category", "assess-plan")],
        "title": title,
        "description": f"{Route(template.route).label}, {template.induction_session_count} induction sessions "
        f"within {template.induction_window_days} days.",
        "subject": reference("Patient", plan.patient_id),
        "period": {"start": plan.start_date.isoformat()},
        "created": instant(plan.created_at),
        "author": reference("Practitioner", plan.created_by_id),
        "activity": sessions + adjuncts,
    }
    return with_meta(without_empty(resource), codes.PROFILE_CARE_PLAN)


def _plan_status(value: str) -> Q:
    stored = [ours for ours, fhir in PLAN_STATUS.items() if fhir == value]
    if not stored:
        raise SearchError("status", f"{value!r} is not one of {', '.join(PLAN_STATUS.values())}")
    return Q(status__in=stored)


register(
    ResourceType(
        name="CarePlan",
        profiles=(codes.PROFILE_CARE_PLAN,),
        documentation="Treatment plans: the protocol (title, route, induction), status, planned sessions with their "
        "windows and adjunct care as activities.",
        search_params=(
            PATIENT_PARAM,
            SearchParam("category", "token", "assess-plan (every plan)."),
            SearchParam("status", "token", "draft, active, on-hold, completed or revoked."),
        ),
        sources=(
            Source(
                key="",
                rows=lambda scope: (
                    TreatmentPlan.objects.filter(
                        patient__organisation_id=scope.organisation_id, patient__merged_into__isnull=True
                    )
                    .select_related("template")
                    .prefetch_related("sessions", "adjuncts")
                ),
                to_resource=care_plan_resource,
                permission=Permission.PLANS_VIEW,
                filters={
                    "category": fixed_token(
                        "category", {"http://hl7.org/fhir/us/core/CodeSystem/careplan-category": {"assess-plan"}}
                    ),
                    "status": any_of(_plan_status),
                },
            ),
        ),
    )
)
