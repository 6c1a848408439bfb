"""Encounter (treatment sessions and psychiatric consultations) and MedicationAdministration (every dose).

Doses: a ketamine dose is the dose drawn from one vial (`dose-<preparation>`), given over the session's
administration period; an esketamine dose is one nasal device (`device-<device>`, 28 mg each), the kit's
lot and ledger entry coming from the session's preparation. The lot travels on a contained Medication
(R4 MedicationAdministration has no lot of its own) with the product's codes: RxNorm, the NDC from the ledger
and, for a Spravato device, the device's own NDC (codes.py).
"""

from django.db.models import OuterRef, Q, Subquery

from ketacare.accounts.domain.roles import Permission
from ketacare.consultations.models import ConsultationNote, ConsultationNoteStatus
from ketacare.fhir.domain import codes
from ketacare.fhir.domain.search import SearchError
from ketacare.fhir.mappers import coding, concept, instant, reference, with_meta, without_empty
from ketacare.fhir.mappers.filters import any_of, date_filter, fixed_token
from ketacare.fhir.registry import PATIENT_PARAM, Include, ResourceType, Scope, SearchParam, Source, register, row_id
from ketacare.ledger.models import Vial
from ketacare.protocols.models import Drug, Route
from ketacare.treatments.models import DosePreparation, SessionDevice, SessionStatus, TreatmentSession

PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"
AMBULATORY = coding(codes.ACT_CODE, "AMB", "ambulatory")
# TreatmentSession.status → Encounter.status (R4 value set encounter-status).
SESSION_STATUS = {
    SessionStatus.CHECKED_IN: "arrived",
    SessionStatus.PRECHECKS_DONE: "arrived",
    SessionStatus.HELD: "arrived",
    SessionStatus.DOSING: "in-progress",
    SessionStatus.ADMINISTERING: "in-progress",
    SessionStatus.OBSERVING: "in-progress",
    SessionStatus.DISCHARGED: "finished",
    SessionStatus.SIGNED: "finished",
    SessionStatus.CANCELLED: "cancelled",
}


def _participant(user, code: str, display: str) -> dict:
    return {
        "type": [concept(PARTICIPATION_TYPE, code, display)],
        "individual": reference("Practitioner", user.pk, user.display_name),
    }


def session_encounter_resource(session: TreatmentSession, scope: Scope) -> dict:
    participants = [_participant(session.monitoring_clinician, "PPRF", "primary performer")]
    if session.prescriber is not None:
        participants.append(_participant(session.prescriber, "ATND", "attender"))
    resource = {
        "resourceType": "Encounter",
        "id": f"session-{session.pk}",
        "identifier": [
            {"system": codes.identifier_system(scope.organisation_slug, "treatment-session"), "value": str(session.pk)}
        ],
        "status": SESSION_STATUS[session.status],
        "class": AMBULATORY,
        "type": [
            concept(
                codes.ENCOUNTER_TYPE_SYSTEM,
                "treatment-session",
                "Ketamine treatment session",
                f"Treatment session: {Route(session.route).label}",
            )
        ],
        "subject": reference("Patient", session.patient_id),
        "participant": participants,
        "period": without_empty({"start": instant(session.checked_in_at), "end": instant(session.discharged_at)}),
        "location": [{"location": reference("Location", session.location_id, session.location.name)}],
        "serviceProvider": reference("Organization", session.organisation_id),
    }
    return with_meta(resource, codes.PROFILE_ENCOUNTER)


def consultation_encounter_resource(note: ConsultationNote, scope: Scope) -> dict:
    resource = {
        "resourceType": "Encounter",
        "id": f"consultation-{note.pk}",
        "identifier": [
            {"system": codes.identifier_system(scope.organisation_slug, "consultation"), "value": str(note.pk)}
        ],
        "status": "finished" if note.status == ConsultationNoteStatus.SIGNED else "in-progress",
        "class": AMBULATORY,
        "type": [
            concept(codes.ENCOUNTER_TYPE_SYSTEM, "consultation", "Psychiatric consultation", "Psychiatric consultation")
        ],
        "subject": reference("Patient", note.patient_id),
        "participant": [_participant(note.author, "PPRF", "primary performer")],
        "period": without_empty({"start": instant(note.created_at), "end": instant(note.signed_at)}),
        "serviceProvider": reference("Organization", scope.organisation_id),
    }
    return with_meta(resource, codes.PROFILE_ENCOUNTER)


def _status_filter(stored: dict[str, list[str]]):
    def build(value: str) -> Q:
        if value not in stored:
            raise SearchError("status", f"{value!r} is not one of {', '.join(sorted(stored))}")
        return Q(status__in=stored[value])

    return any_of(build)


def _session_statuses() -> dict[str, list[str]]:
    by_fhir: dict[str, list[str]] = {}
    for stored, fhir_status in SESSION_STATUS.items():
        by_fhir.setdefault(fhir_status, []).append(stored)
    return by_fhir


_ENCOUNTER_STATUSES = {"arrived", "in-progress", "finished", "cancelled"}


def _encounter_filters(kind: str, statuses: dict[str, list[str]], date_path: str) -> dict:
    return {
        "date": date_filter("date", date_path),
        "status": _status_filter({status: statuses.get(status, []) for status in _ENCOUNTER_STATUSES}),
        "class": fixed_token("class", {codes.ACT_CODE: {"AMB"}}),
        "type": fixed_token("type", {codes.ENCOUNTER_TYPE_SYSTEM: {kind}}),
    }


register(
    ResourceType(
        name="Encounter",
        profiles=(codes.PROFILE_ENCOUNTER,),
        documentation="Treatment sessions (session-<id>: check-in to discharge, location, monitoring clinician, "
        "prescriber) and psychiatric consultations (consultation-<id>: the note's author; the signed note is "
        "DocumentReference consultation-note-<id>).",
        search_params=(
            PATIENT_PARAM,
            SearchParam("date", "date", "When it started (check-in; the consultation note's creation)."),
            SearchParam("status", "token", "arrived, in-progress, finished or cancelled."),
            SearchParam("class", "token", "AMB (every encounter is ambulatory)."),
            SearchParam("type", "token", "treatment-session or consultation."),
        ),
        sources=(
            Source(
                key="session",
                rows=lambda scope: TreatmentSession.objects.filter(
                    organisation_id=scope.organisation_id, patient__merged_into__isnull=True
                ).select_related("patient", "location", "monitoring_clinician", "prescriber"),
                to_resource=session_encounter_resource,
                permission=Permission.SESSION_VIEW,
                filters=_encounter_filters("treatment-session", _session_statuses(), "checked_in_at"),
            ),
            Source(
                key="consultation",
                rows=lambda scope: ConsultationNote.objects.filter(
                    patient__organisation_id=scope.organisation_id, patient__merged_into__isnull=True
                ).select_related("patient", "author"),
                to_resource=consultation_encounter_resource,
                permission=Permission.CONSULTATION_NOTE_VIEW,
                filters=_encounter_filters(
                    "consultation",
                    {"finished": [ConsultationNoteStatus.SIGNED], "in-progress": [ConsultationNoteStatus.DRAFT]},
                    "created_at",
                ),
            ),
        ),
    )
)

# ------------------------------------------------------------------ doses


def _vial(field: str, vial_id) -> Subquery:
    return Subquery(Vial.objects.filter(pk=vial_id).values(field)[:1])


def _medication(name: str, lot: str | None, ndcs: tuple[str | None, ...], expiry, rxnorm: tuple[str, str]) -> dict:
    """The product given: RxNorm and the NDCs known (the device's, the ledger product's) beside the text."""
    codings = [coding(codes.RXNORM, *rxnorm)] + [coding(codes.NDC, ndc) for ndc in dict.fromkeys(filter(None, ndcs))]
    return without_empty(
        {
            "resourceType": "Medication",
            "id": "medication",
            "code": {"coding": codings, "text": name},
            "batch": without_empty({"lotNumber": lot, "expirationDate": expiry.isoformat() if expiry else None}),
        }
    )


def _dosage(route: str, dose_mg) -> dict:
    route_code, route_display = codes.ROUTE_SNOMED[route]
    return {
        "text": f"{dose_mg.normalize():f} mg, {Route(route).label.lower()}",
        "route": concept(codes.SNOMED, route_code, route_display),
        "dose": {"value": float(dose_mg), "unit": "mg", "system": codes.UCUM, "code": "mg"},
    }


def _administration(row, scope: Scope, *, resource_id: str, session, ledger_entry_id, performer, medication) -> dict:
    return without_empty(
        {
            "resourceType": "MedicationAdministration",
            "id": resource_id,
            "contained": [medication],
            "identifier": [
                {
                    "system": codes.identifier_system(scope.organisation_slug, "ledger-entry"),
                    "value": str(ledger_entry_id),
                }
            ]
            if ledger_entry_id
            else None,
            "status": "completed",
            "medicationReference": {"reference": "#medication", "display": medication["code"]["text"]},
            "subject": reference("Patient", session.patient_id),
            "context": reference("Encounter", f"session-{session.pk}"),
            "performer": [{"actor": reference("Practitioner", performer.pk, performer.display_name)}]
            if performer
            else None,
        }
    )


def dose_resource(preparation: DosePreparation, scope: Scope) -> dict:
    session = preparation.session
    resource = _administration(
        preparation,
        scope,
        resource_id=f"dose-{preparation.pk}",
        session=session,
        ledger_entry_id=preparation.ledger_entry_id,
        performer=session.administered_by or preparation.drawn_by,
        medication=_medication(
            Drug(session.drug).label,
            preparation.lot,
            (preparation.product_ndc,),
            preparation.vial_expiry,
            codes.RXNORM_KETAMINE,  # esketamine sessions' doses are their devices
        ),
    )
    stopped = session.administration_stopped_at
    resource["effectivePeriod"] = without_empty(
        {"start": instant(session.administration_started_at), "end": instant(stopped)}
    )
    if stopped is None:
        resource["status"] = "in-progress"
    resource["dosage"] = _dosage(session.route, preparation.dose_mg)
    return resource


def device_resource(device: SessionDevice, scope: Scope) -> dict:
    session = device.session
    resource = _administration(
        device,
        scope,
        resource_id=f"device-{device.pk}",
        session=session,
        ledger_entry_id=device.kit_ledger_entry_id,
        performer=device.recorded_by,
        medication=_medication(
            f"{Drug(session.drug).label} nasal spray device",
            device.kit_lot,
            (codes.NDC_SPRAVATO_DEVICE, device.product_ndc),
            device.vial_expiry,
            codes.RXNORM_SPRAVATO,
        ),
    )
    resource["effectiveDateTime"] = instant(device.administered_at)
    resource["dosage"] = _dosage(session.route, device.dose_mg)
    return resource


def _doses(scope: Scope):
    """Doses drawn for a ketamine session whose administration started (esketamine doses are its devices)."""
    return (
        DosePreparation.objects.filter(
            session__organisation_id=scope.organisation_id,
            session__patient__merged_into__isnull=True,
            session__administration_started_at__isnull=False,
        )
        .exclude(session__drug=Drug.ESKETAMINE)
        .select_related("session__patient", "session__administered_by", "drawn_by")
        .annotate(
            product_ndc=_vial("product__ndc", OuterRef("vial_id")),
            vial_expiry=_vial("expiry_date", OuterRef("vial_id")),
        )
    )


def _devices(scope: Scope):
    kit = DosePreparation.objects.filter(session=OuterRef("session")).order_by("drawn_at", "id")
    return (
        SessionDevice.objects.filter(
            session__organisation_id=scope.organisation_id, session__patient__merged_into__isnull=True
        )
        .select_related("session__patient", "recorded_by")
        .annotate(
            kit_lot=Subquery(kit.values("lot")[:1]),
            kit_ledger_entry_id=Subquery(kit.values("ledger_entry_id")[:1]),
            kit_vial_id=Subquery(kit.values("vial_id")[:1]),
        )
        .annotate(
            product_ndc=_vial("product__ndc", OuterRef("kit_vial_id")),
            vial_expiry=_vial("expiry_date", OuterRef("kit_vial_id")),
        )
    )


def _context_filter():
    def build(value: str) -> Q:
        identity = value.rpartition("/")[2]
        number = identity.removeprefix("session-")
        return Q(session_id=row_id(number)) if number != identity else Q(pk__in=[])

    return any_of(build)


def _dose_source(key: str, rows, to_resource, time_path: str) -> Source:
    return Source(
        key=key,
        rows=rows,
        to_resource=to_resource,
        patient_path="session__patient",
        # Doses are read on the session chart and in the ledger; front desk sees neither.
        permission=Permission.SESSION_VIEW,
        filters={"effective-time": date_filter("effective-time", time_path), "context": _context_filter()},
    )


register(
    ResourceType(
        name="MedicationAdministration",
        documentation="Every ketamine or esketamine dose: dose in mg, route (SNOMED CT), period, performer, "
        "the lot and NDC on a contained Medication, the session as context, the ledger entry as identifier.",
        includes=(Include("context", "Encounter"),),
        search_params=(
            PATIENT_PARAM,
            SearchParam("effective-time", "date", "When it was given."),
            SearchParam("context", "reference", "The treatment session (Encounter/session-<id>)."),
        ),
        sources=(
            _dose_source("dose", _doses, dose_resource, "session__administration_started_at"),
            _dose_source("device", _devices, device_resource, "administered_at"),
        ),
    )
)
