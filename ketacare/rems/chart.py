"""Reading an esketamine session chart (ketacare.treatments) into the PMF's plain facts."""

import datetime as dt

from django.utils import timezone

from ketacare.rems.domain.form import ChartFacts, Range, Vital
from ketacare.treatments.models import CheckItem, SessionStatus, TreatmentSession
from ketacare.treatments.selectors import discharge_range_of, settings_of

MONITORING_ENDED = (SessionStatus.DISCHARGED, SessionStatus.SIGNED)


def treatment_date(session: TreatmentSession, first_device_at) -> dt.date:
    """The form's treatment date: the day of the first device (else of the start of administration,
    else of check-in) in the location's zone."""
    started = first_device_at or session.administration_started_at or session.checked_in_at
    return timezone.localtime(started, session.location.zone).date()


def chart_facts(session: TreatmentSession) -> ChartFacts:
    allowed = discharge_range_of(session, settings_of(session))
    earlier = (
        TreatmentSession.objects.filter(
            patient_id=session.patient_id,
            drug=session.drug,
            checked_in_at__lt=session.checked_in_at,
        )
        .exclude(status=SessionStatus.CANCELLED)
        .exclude(pk=session.pk)
    )
    ratings = list(session.ratings.select_related("response"))
    asked = session.checks.filter(item=CheckItem.INTERACTING_MEDICINES).exists()
    dose = session.dose_mg
    return ChartFacts(
        patient_id=session.patient_id,
        location_id=session.location_id,
        monitoring_clinician_id=session.monitoring_clinician_id,
        treatment_date=treatment_date(session, session.first_device_at),
        first_treatment=not earlier.exists(),
        dose_mg=float(dose) if dose is not None else None,
        lot_number=session.lot,
        monitoring_minutes=session.monitoring_minutes,
        vitals=[
            Vital(
                v.phase,
                v.minute,
                v.scheduled_minute,
                v.systolic_mmhg,
                v.diastolic_mmhg,
                v.heart_rate_bpm,
                v.spo2_percent,
            )
            for v in session.vitals.order_by("recorded_at", "id")
        ],
        vital_range=Range(
            allowed.max_systolic_mmhg, allowed.max_diastolic_mmhg, allowed.max_heart_rate_bpm, allowed.min_spo2_percent
        ),
        adverse_event_kinds=list(session.adverse_events.values_list("kind", flat=True)),
        moaas_scores=[r.response.total for r in ratings if r.instrument == "moaas" and r.response.total is not None],
        cadss_totals=[r.response.total for r in ratings if r.instrument == "cadss" and r.response.total is not None],
        interacting_medicines=list(session.interacting_medicines or []) if asked else None,
        discharged=session.status in MONITORING_ENDED,
        location_phone=session.location.phone,
    )
