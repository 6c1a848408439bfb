"""Access-checked reads of consultation notes, and the chart facts a note shows read-only.

- staff with CONSULTATION_NOTE_VIEW (nurses, prescribers, therapists: accounts/domain/roles.py)
  of the patient's organisation; every read, list and PDF is audited;
- anything of another organisation: 404.

`chart_facts` gathers what the risk section and the candidacy attachment show: the latest C-SSRS
screener and PHQ-9 item 9 (from measures' effective responses: an amended score counts as amended)
and the candidacy intake, evaluation and decisions (candidacy's own evaluation). A draft shows them
live; signing copies them into the note (actions.py).
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.db.models import QuerySet
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.audit.reads import audited_record_by_id
from ketacare.candidacy.domain.findings import Eligibility, Route
from ketacare.candidacy.selectors import evaluate_patient
from ketacare.consultations.models import ConsultationNote
from ketacare.lib.ids import db_id_or_zero
from ketacare.measures.domain.library import CSSRS_SCREENER, PHQ9, PHQ_ANSWER_LABELS
from ketacare.measures.selectors import effective_responses
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id

NOTE_TYPE = "consultations.consultationnote"
# PHQ-9 item 9 asks about thoughts of being better off dead or of self-harm (CLINICAL.md §3: any
# answer above 0 calls for same-day suicide follow-up with the C-SSRS).
PHQ9_SUICIDE_ITEM = 9
ELIGIBILITY_LABELS = {
    Eligibility.ELIGIBLE: "Eligible",
    Eligibility.ELIGIBLE_WITH_CAUTIONS: "Eligible with cautions",
    Eligibility.NOT_ELIGIBLE: "Not eligible",
}


def _visible_notes(user) -> QuerySet[ConsultationNote]:
    require_permission(user, Permission.CONSULTATION_NOTE_VIEW)
    return ConsultationNote.objects.filter(patient__organisation_id=user.organisation_id).select_related(
        "patient", "patient__organisation", "patient__home_location", "author", "signed_by"
    )


def access_consultation_note_by_id(
    user, note_id: int, *, audit: bool = True, for_update: bool = False, export: str = ""
) -> ConsultationNote:
    """The note for clinical staff of its organisation (audited as a view, or an export when
    `export` names the format); 404 otherwise."""
    return audited_record_by_id(
        user,
        _visible_notes(user),
        note_id,
        missing="No such consultation note",
        audit=audit,
        for_update=for_update,
        export=export,
    )


def access_consultation_notes_by_patient_id(user, patient_id: int) -> tuple[Patient, list[ConsultationNote]]:
    """A patient's consultation notes, newest first (audited as one list)."""
    require_permission(user, Permission.CONSULTATION_NOTE_VIEW)
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    notes = list(_visible_notes(user).filter(patient=patient))
    record_event(
        user, AuditAction.LIST, object_type=NOTE_TYPE, patient=patient, detail={"ids": [note.pk for note in notes]}
    )
    return patient, notes


def _local_date(moment: dt.datetime, zone: ZoneInfo) -> str:
    return timezone.localtime(moment, zone).date().isoformat()


def _latest(patient: Patient, instrument: str):
    return effective_responses().filter(patient=patient, instrument=instrument).order_by("-taken_at", "-id").first()


def chart_facts(patient: Patient) -> dict:
    """The risk screens and the candidacy evaluation as plain JSON (for a caller that has checked access)."""
    zone = ZoneInfo(patient.zone_name)
    cssrs = _latest(patient, CSSRS_SCREENER.code)
    cssrs_fact = None
    if cssrs is not None and cssrs.total is not None:
        band = CSSRS_SCREENER.band_for(cssrs.total)
        cssrs_fact = {
            "level": band.label if band else str(cssrs.total),
            "taken_on": _local_date(cssrs.taken_at, zone),
            "response_id": cssrs.pk,
        }
    phq9 = _latest(patient, PHQ9.code)
    phq9_fact = None
    if phq9 is not None:
        answer = phq9.answers.get(str(PHQ9_SUICIDE_ITEM))
        phq9_fact = {
            "answer": answer,
            "answer_label": PHQ_ANSWER_LABELS[answer] if isinstance(answer, int) and 0 <= answer < 4 else "Not asked",
            "taken_on": _local_date(phq9.taken_at, zone),
            "response_id": phq9.pk,
        }
    candidacy = evaluate_patient(patient)
    result = candidacy.result
    return {
        "cssrs": cssrs_fact,
        "phq9_item9": phq9_fact,
        "candidacy": {
            "intake": candidacy.intake.get_status_display() if candidacy.intake else None,
            "problem": candidacy.problem,
            "treatment_resistance": (
                None
                if result is None
                else f"{'Met' if result.trd.met else 'Not met'}: {result.trd.adequate_failures} adequate failed "
                f"trial(s) of {result.trd.threshold} required"
            ),
            "routes": []
            if result is None
            else [
                {"route": route.label, "status": ELIGIBILITY_LABELS[route_result.status]}
                for route, route_result in result.routes.items()
            ],
            "decisions": [
                {
                    "route": Route(decision.route).label,
                    "decision": decision.get_decision_display(),
                    "override": decision.override,
                    "decided_on": _local_date(decision.decided_at, zone),
                    "decided_by": decision.decided_by.display_name,
                }
                for decision in candidacy.decisions
            ],
        },
    }


def facts_of(note: ConsultationNote) -> dict:
    """What the note shows read-only: the copy it was signed with, or for a draft the chart's today."""
    return note.attached_facts if note.is_locked else chart_facts(note.patient)
