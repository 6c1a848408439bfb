"""Goal (the goals an integration-therapy note states), Procedure (each IV infusion) and Provenance (who signed
the signed records: session records, consultation notes, consents).

Goals: the treatment plan has no goals of its own; the goals KetaCare holds are those written in each signed
integration-therapy progress note (therapy app), one Goal per note, kept `active` (KetaCare records no outcome).
They are read as the notes are: nurses, prescribers and therapists; the portal does not show them.
"""

import zoneinfo

from django.db.models import Prefetch, Q

from ketacare.accounts.domain.roles import Permission
from ketacare.consents.models import SignedConsent
from ketacare.consultations.models import ConsultationNote, ConsultationNoteStatus
from ketacare.fhir.domain import codes
from ketacare.fhir.domain.search import SearchError
from ketacare.fhir.mappers import concept, instant, reference, with_meta, without_empty
from ketacare.fhir.mappers.filters import any_of, date_filter, fixed_token
from ketacare.fhir.registry import (
    PATIENT_PARAM,
    Filter,
    Include,
    ResourceType,
    Scope,
    SearchParam,
    Source,
    register,
    row_id,
)
from ketacare.patients.models import Diagnosis, DiagnosisStatus
from ketacare.protocols.models import Route
from ketacare.therapy.models import NoteStatus, ProgressNote
from ketacare.treatments.models import SessionStatus, SignerRole, TreatmentSession

GOAL_LIFECYCLE = "http://hl7.org/fhir/goal-status"


def goal_resource(note: ProgressNote, scope: Scope) -> dict:
    zone = zoneinfo.ZoneInfo(note.patient.zone_name)
    resource = {
        "resourceType": "Goal",
        "id": str(note.pk),
        "lifecycleStatus": "active",
        "description": {"text": note.goals},
        "subject": reference("Patient", note.patient_id),
        # The day of the integration session where they were set, where the patient is seen.
        "startDate": note.session_at.astimezone(zone).date().isoformat(),
        "statusDate": note.signed_at.astimezone(zone).date().isoformat() if note.signed_at else None,
        "note": [{"text": f"Set in the integration session with {note.therapist.display_name}."}],
    }
    return with_meta(without_empty(resource), codes.PROFILE_GOAL)


register(
    ResourceType(
        name="Goal",
        profiles=(codes.PROFILE_GOAL,),
        documentation="The goals stated in each signed integration-therapy progress note (the treatment plan "
        "records none): the text, the session's date as startDate, always active (no outcome is recorded).",
        search_params=(
            PATIENT_PARAM,
            SearchParam("lifecycle-status", "token", "active (every goal)."),
        ),
        sources=(
            Source(
                key="",
                rows=lambda scope: (
                    ProgressNote.objects.filter(
                        patient__organisation_id=scope.organisation_id,
                        patient__merged_into__isnull=True,
                        status=NoteStatus.SIGNED,
                    )
                    .exclude(goals="")
                    .select_related("patient__home_location", "therapist")
                ),
                to_resource=goal_resource,
                permission=Permission.THERAPY_NOTE_VIEW,
                patients_may_read=False,  # the portal shows no therapy notes
                filters={"lifecycle-status": fixed_token("lifecycle-status", {GOAL_LIFECYCLE: {"active"}})},
            ),
        ),
    )
)

# ------------------------------------------------------------------ Procedure: IV infusions


def _procedure_status(session: TreatmentSession) -> str:
    if session.administration_stopped_at is not None:
        return "completed"
    return "stopped" if session.status == SessionStatus.CANCELLED else "in-progress"


def procedure_resource(session: TreatmentSession, scope: Scope) -> dict:
    performer = session.administered_by or session.monitoring_clinician
    code, display = codes.SNOMED_IV_INFUSION
    resource = {
        "resourceType": "Procedure",
        "id": f"infusion-{session.pk}",
        "status": _procedure_status(session),
        "code": concept(codes.SNOMED, code, display, "Ketamine infusion"),
        "subject": reference("Patient", session.patient_id),
        "encounter": reference("Encounter", f"session-{session.pk}"),
        "performedPeriod": without_empty(
            {"start": instant(session.administration_started_at), "end": instant(session.administration_stopped_at)}
        ),
        "performer": [
            {
                "actor": reference("Practitioner", performer.pk, performer.display_name),
                "onBehalfOf": reference("Organization", session.organisation_id),
            }
        ],
        "location": reference("Location", session.location_id, session.location.name),
        # KetaCare links a session to no particular diagnosis: the patient's active diagnoses are its reasons.
        "reasonReference": [
            reference("Condition", diagnosis.pk, diagnosis.description)
            for diagnosis in session.patient.active_diagnoses
        ],
    }
    return with_meta(without_empty(resource), codes.PROFILE_PROCEDURE)


def _procedure_status_filter(value: str) -> Q:
    conditions = {
        "completed": Q(administration_stopped_at__isnull=False),
        "stopped": Q(administration_stopped_at__isnull=True, status=SessionStatus.CANCELLED),
        "in-progress": Q(administration_stopped_at__isnull=True) & ~Q(status=SessionStatus.CANCELLED),
    }
    if value not in conditions:
        raise SearchError("status", f"{value!r} is not one of {', '.join(conditions)}")
    return conditions[value]


register(
    ResourceType(
        name="Procedure",
        profiles=(codes.PROFILE_PROCEDURE,),
        documentation="Each IV ketamine infusion (SNOMED CT 14152002): the administration period, who gave it, "
        "the session as encounter, the patient's active diagnoses as reasons.",
        includes=(Include("encounter", "Encounter"),),
        search_params=(
            PATIENT_PARAM,
            SearchParam("date", "date", "When the infusion started."),
            SearchParam("status", "token", "completed, in-progress or stopped."),
            SearchParam("code", "token", "http://snomed.info/sct|14152002 (every infusion)."),
        ),
        sources=(
            Source(
                key="infusion",
                rows=lambda scope: (
                    TreatmentSession.objects.filter(
                        organisation_id=scope.organisation_id,
                        patient__merged_into__isnull=True,
                        route=Route.IV,
                        administration_started_at__isnull=False,
                    )
                    .select_related("patient", "location", "administered_by", "monitoring_clinician")
                    .prefetch_related(
                        Prefetch(
                            "patient__diagnoses",
                            queryset=Diagnosis.objects.filter(status=DiagnosisStatus.ACTIVE).order_by("pk"),
                            to_attr="active_diagnoses",
                        )
                    )
                ),
                to_resource=procedure_resource,
                permission=Permission.SESSION_VIEW,  # as the session chart
                filters={
                    "date": date_filter("date", "administration_started_at"),
                    "status": any_of(_procedure_status_filter),
                    "code": fixed_token("code", {codes.SNOMED: {codes.SNOMED_IV_INFUSION[0]}}),
                },
            ),
        ),
    )
)

# ------------------------------------------------------------------ Provenance: who signed


def _agent(kind: str, who: dict, organisation_id: int | None = None) -> dict:
    """One signer: `author` wrote and signed the record, `verifier` countersigned or witnessed it. US Core asks
    for `onBehalfOf` when the agent is a Practitioner (provenance-1)."""
    agent = {"type": concept(codes.PROVENANCE_AGENT_TYPE, kind, kind.capitalize()), "who": who}
    if organisation_id is not None:
        agent["onBehalfOf"] = reference("Organization", organisation_id)
    return agent


def _practitioner(user) -> dict:
    return reference("Practitioner", user.pk, user.display_name)


def _provenance(resource_id: str, targets: list[dict], recorded, agents: list[dict]) -> dict:
    resource = {
        "resourceType": "Provenance",
        "id": resource_id,
        "target": targets,
        "recorded": instant(recorded),
        "activity": concept("http://terminology.hl7.org/CodeSystem/v3-DataOperation", "CREATE", "create"),
        "agent": agents,
    }
    return with_meta(resource, codes.PROFILE_PROVENANCE)


def session_provenance_resource(session: TreatmentSession, scope: Scope) -> dict:
    targets = [
        reference("Encounter", f"session-{session.pk}"),
        reference("DocumentReference", f"session-record-{session.pk}"),
    ]
    if session.route == Route.IV and session.administration_started_at is not None:
        targets.append(reference("Procedure", f"infusion-{session.pk}"))
    # The nurse's signature is the record's; the prescriber's countersigns it.
    kinds = {SignerRole.NURSE: "author", SignerRole.PRESCRIBER: "verifier"}
    agents = [
        _agent(kinds[signature.role], _practitioner(signature.signed_by), session.organisation_id)
        for signature in session.signatures.all()
    ]
    return _provenance(f"session-{session.pk}", targets, session.signed_at, agents)


def consultation_provenance_resource(note: ConsultationNote, scope: Scope) -> dict:
    targets = [
        reference("Encounter", f"consultation-{note.pk}"),
        reference("DocumentReference", f"consultation-note-{note.pk}"),
    ]
    signer = note.signed_by or note.author
    agents = [_agent("author", _practitioner(signer), scope.organisation_id)]
    return _provenance(f"consultation-{note.pk}", targets, note.signed_at, agents)


def consent_provenance_resource(consent: SignedConsent, scope: Scope) -> dict:
    targets = [reference("Consent", consent.pk), reference("DocumentReference", f"consent-{consent.pk}")]
    agents = [_agent("author", reference("Patient", consent.patient_id, consent.typed_name))]
    if consent.witness is not None:
        agents.append(_agent("verifier", _practitioner(consent.witness), scope.organisation_id))
    return _provenance(f"consent-{consent.pk}", targets, consent.signed_at, agents)


def _target_filter(targets: dict[str, tuple[str, Q]]) -> Filter:
    """`target=<Type>/<id>`: {type: (id prefix, condition on the row)}; the row's pk is the id's number."""

    def build(value: str) -> Q:
        parts = value.rstrip("/").rsplit("/", 2)[-2:]
        if len(parts) != 2 or not parts[0] or not parts[1]:
            raise SearchError("target", f"{value!r} is not a reference of the form <Type>/<id>")
        type_name, resource_id = parts
        prefix, condition = targets.get(type_name, ("", Q(pk__in=[])))
        if not resource_id.startswith(prefix):
            return Q(pk__in=[])
        number = row_id(resource_id.removeprefix(prefix))
        return Q(pk=number) & condition if number else Q(pk__in=[])

    return any_of(build)


EVERY_ROW = Q(pk__isnull=False)
SIGNED_SESSION_TARGETS = {
    "Encounter": ("session-", EVERY_ROW),
    "DocumentReference": ("session-record-", EVERY_ROW),
    "Procedure": ("infusion-", Q(route=Route.IV, administration_started_at__isnull=False)),
}

register(
    ResourceType(
        name="Provenance",
        profiles=(codes.PROFILE_PROVENANCE,),
        documentation="Who signed each signed record: treatment session records (session-<id>: the nurse as "
        "author, the prescriber as verifier), psychiatric consultation notes (consultation-<id>: the prescriber "
        "as author) and consents (consent-<id>: the patient as author, the witness as verifier).",
        search_params=(
            PATIENT_PARAM,
            SearchParam("target", "reference", "What was signed, e.g. Encounter/session-12, Consent/4."),
        ),
        sources=(
            Source(
                key="session",
                rows=lambda scope: (
                    TreatmentSession.objects.filter(
                        organisation_id=scope.organisation_id,
                        patient__merged_into__isnull=True,
                        status=SessionStatus.SIGNED,
                    )
                    .select_related("patient")
                    .prefetch_related(Prefetch("signatures__signed_by"))
                ),
                to_resource=session_provenance_resource,
                permission=Permission.SESSION_VIEW,
                filters={"target": _target_filter(SIGNED_SESSION_TARGETS)},
            ),
            Source(
                key="consultation",
                rows=lambda scope: ConsultationNote.objects.filter(
                    patient__organisation_id=scope.organisation_id,
                    patient__merged_into__isnull=True,
                    status=ConsultationNoteStatus.SIGNED,
                ).select_related("patient", "author", "signed_by"),
                to_resource=consultation_provenance_resource,
                permission=Permission.CONSULTATION_NOTE_VIEW,
                filters={
                    "target": _target_filter(
                        {
                            "Encounter": ("consultation-", EVERY_ROW),
                            "DocumentReference": ("consultation-note-", EVERY_ROW),
                        }
                    )
                },
            ),
            Source(
                key="consent",
                rows=lambda scope: (
                    SignedConsent.objects.filter(
                        patient__organisation_id=scope.organisation_id, patient__merged_into__isnull=True
                    )
                    .select_related("patient", "witness")
                    .defer("pdf", "signature_png", "text_signed")
                ),
                to_resource=consent_provenance_resource,
                permission=Permission.PATIENT_VIEW,
                filters={
                    "target": _target_filter({"Consent": ("", EVERY_ROW), "DocumentReference": ("consent-", EVERY_ROW)})
                },
            ),
        ),
    )
)
