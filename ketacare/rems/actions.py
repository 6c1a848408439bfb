"""Every write to REMS records: permission, organisation scoping, one transaction, one audit entry."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import colleague_by_id
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import Location
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason, clean_text
from ketacare.patients.selectors import access_patient_by_id
from ketacare.rems.chart import MONITORING_ENDED, chart_facts
from ketacare.rems.domain.form import (
    FIELD_LABELS,
    OPTIONAL_FIELDS,
    form_values_from_chart,
    missing_fields,
)
from ketacare.rems.models import (
    FormStatus,
    MonitoringForm,
    RemsCertification,
    RemsEnrollment,
)
from ketacare.rems.selectors import access_form_by_id, location_today
from ketacare.treatments.models import TreatmentSession

TEXT_MAX_CHARS = 5000
ID_MAX_CHARS = 60
# Fields staff complete or correct on a draft (the links to patient, setting and session stay).
EDITABLE_FIELDS = frozenset(FIELD_LABELS) - {"patient", "location"} | set(OPTIONAL_FIELDS)
YES_NO_FIELDS = frozenset(
    {
        "first_treatment",
        "vitals_in_range_before_dose",
        "vitals_in_range_before_leaving",
        "sedation",
        "dissociation",
        "respiratory_depression",
        "benzodiazepines",
        "non_benzodiazepine_sedative_hypnotics",
        "psychostimulants",
        "maois",
        "opioids",
    }
)
BP_FIELDS = frozenset(name for name in FIELD_LABELS if name.startswith("bp_"))
# Model field name of the values that are links.
LINK_FIELDS = {"patient": "patient_id", "location": "location_id", "monitoring_clinician": "monitoring_clinician_id"}


def _date(field: str, value, *, required: bool = True) -> dt.date | None:
    if value in (None, "") and not required:
        return None
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: "Enter a date (YYYY-MM-DD)."})
    if not dt.date(2019, 1, 1) <= value <= dt.date(2100, 12, 31):
        raise ValidationError({field: "Enter a date from 2019 (esketamine's approval) to 2100."})
    return value


def _location(actor, location_id) -> Location:
    location = Location.objects.filter(
        pk=db_id_or_zero(location_id),
        organisation_id=actor.organisation_id,
    ).first()
    if location is None:
        raise ValidationError({"location_id": "Choose one of this clinic's locations."})
    return location


# ---------------------------------------------------------------- certification


@transaction.atomic
def do_record_certification(
    actor,
    *,
    location_id: int,
    certificate_id: str,
    certified_on: dt.date,
    authorized_representative: str,
    expires_on: dt.date | None = None,
) -> RemsCertification:
    """The location's REMS certification as an outpatient healthcare setting (a renewal is a new row)."""
    require_permission(actor, Permission.REMS_MANAGE)
    location = _location(actor, location_id)
    certification = RemsCertification(
        location=location,
        certificate_id=clean_text("certificate_id", certificate_id, required=True, max_chars=ID_MAX_CHARS),
        certified_on=_date("certified_on", certified_on),
        expires_on=_date("expires_on", expires_on, required=False),
        authorized_representative=clean_text(
            "authorized_representative", authorized_representative, required=True, max_chars=200
        ),
        recorded_by=actor,
    )
    if certification.expires_on and certification.expires_on < certification.certified_on:
        raise ValidationError({"expires_on": "The expiry date is before the certification date."})
    certification.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        certification,
        organisation=location.organisation,
        detail={
            "location_id": location.pk,
            "certificate_id": certification.certificate_id,
            "certified_on": certification.certified_on,
            "expires_on": certification.expires_on,
        },
    )
    return certification


@transaction.atomic
def do_withdraw_certification(actor, certification_id: int, *, reason: str) -> RemsCertification:
    require_permission(actor, Permission.REMS_MANAGE)
    certification = (
        RemsCertification.objects.select_for_update()
        .filter(
            pk=db_id_or_zero(certification_id),
            location__organisation_id=actor.organisation_id,
        )
        .first()
    )
    if certification is None:
        raise Http404("No such certification")
    if not certification.is_active:
        raise ValidationError({"reason": "This certification is already withdrawn."})
    certification.is_active = False
    certification.withdrawn_reason = clean_reason(reason)
    certification.save(update_fields=["is_active", "withdrawn_reason"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        certification,
        detail={"status": "withdrawn", "reason": certification.withdrawn_reason},
    )
    return certification


# ---------------------------------------------------------------- enrollment


def _prescriber(actor, user_id):
    if user_id in (None, ""):
        user_id = actor.pk
    prescriber = colleague_by_id(actor, user_id, roles=[Role.PRESCRIBER])
    if prescriber is None:
        raise ValidationError({"enrolled_by_id": "Choose the prescriber of this clinic who enrolled the patient."})
    return prescriber


@transaction.atomic
def do_enroll_patient(
    actor, patient_id: int, *, enrollment_id: str, enrolled_on: dt.date, enrolled_by_id: int | None = None
) -> RemsEnrollment:
    """Record the patient's REMS enrollment (CLINICAL.md §2: before the first treatment)."""
    require_permission(actor, Permission.REMS_MANAGE)
    patient = access_patient_by_id(actor, db_id_or_zero(patient_id), audit=False)
    enrollment = RemsEnrollment(
        patient=patient,
        enrollment_id=clean_text("enrollment_id", enrollment_id, required=True, max_chars=ID_MAX_CHARS),
        enrolled_on=_date("enrolled_on", enrolled_on),
        enrolled_by=_prescriber(actor, enrolled_by_id),
        recorded_by=actor,
    )
    if enrollment.enrolled_on > patient.today():
        raise ValidationError({"enrolled_on": "The enrollment date is in the future."})
    if RemsEnrollment.objects.select_for_update().filter(patient=patient, is_active=True).exists():
        raise ValidationError({"enrollment_id": "The patient is already enrolled; withdraw that enrollment first."})
    try:
        with transaction.atomic():
            enrollment.save(force_insert=True)
    except IntegrityError:  # enrolled at the same moment by someone else
        raise ValidationError({"enrollment_id": "The patient is already enrolled."}) from None
    record_event(
        actor,
        AuditAction.CREATE,
        enrollment,
        patient=patient,
        detail={
            "enrollment_id": enrollment.enrollment_id,
            "enrolled_on": enrollment.enrolled_on,
            "enrolled_by": enrollment.enrolled_by_id,
        },
    )
    return enrollment


@transaction.atomic
def do_withdraw_enrollment(actor, patient_id: int, *, reason: str) -> RemsEnrollment:
    require_permission(actor, Permission.REMS_MANAGE)
    patient = access_patient_by_id(actor, db_id_or_zero(patient_id), audit=False)
    enrollment = RemsEnrollment.objects.select_for_update().filter(patient=patient, is_active=True).first()
    if enrollment is None:
        raise ValidationError({"reason": "The patient is not enrolled."})
    enrollment.is_active = False
    enrollment.withdrawn_reason = clean_reason(reason)
    enrollment.save(update_fields=["is_active", "withdrawn_reason"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        enrollment,
        patient=patient,
        detail={"status": "withdrawn", "reason": enrollment.withdrawn_reason},
    )
    return enrollment


# ---------------------------------------------------------------- monitoring form


def _chart_values(session: TreatmentSession) -> dict:
    values = form_values_from_chart(chart_facts(session))
    return {LINK_FIELDS.get(name, name): value for name, value in values.items()}


@transaction.atomic
def do_create_form_from_session(actor, session_id: int) -> MonitoringForm:
    """The session's draft PMF, filled from its chart (the existing form if there is one)."""
    require_permission(actor, Permission.REMS_FINALISE)
    session = (
        TreatmentSession.objects.select_for_update(of=("self",))
        .select_related("location", "patient", "template", "organisation")
        .filter(pk=db_id_or_zero(session_id), organisation_id=actor.organisation_id)
        .first()
    )
    if session is None:
        raise Http404("No such treatment session")
    existing = MonitoringForm.objects.filter(session=session).first()
    if existing is not None:
        return existing
    if not session.is_esketamine:
        raise ValidationError({"session": "A REMS monitoring form is for esketamine sessions."})
    if session.status not in MONITORING_ENDED:
        raise ValidationError({"session": "The form is filled once monitoring has ended (the patient is discharged)."})
    form = MonitoringForm(
        organisation_id=session.organisation_id, session=session, created_by=actor, **_chart_values(session)
    )
    form.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        form,
        patient=session.patient,
        detail={
            "session": session.pk,
            "missing": missing_fields(form_values(form)),
        },
    )
    return form


def form_values(form: MonitoringForm) -> dict:
    """The form's values under the PMF field names (links as ids)."""
    values = {name: getattr(form, LINK_FIELDS.get(name, name)) for name in FIELD_LABELS}
    values.update({name: getattr(form, name) for name in OPTIONAL_FIELDS})
    return values


def _draft(actor, form_id: int) -> MonitoringForm:
    require_permission(actor, Permission.REMS_FINALISE)
    form = access_form_by_id(actor, form_id, audit=False, for_update=True)
    if form.is_locked:
        raise ValidationError({"status": "The form is finalised and locked."})
    return form


def _clean_value(actor, form: MonitoringForm, name: str, value):
    if name in YES_NO_FIELDS:
        if value is not None and not isinstance(value, bool):
            raise ValidationError({name: "Answer yes or no."})
        return value
    if name in BP_FIELDS:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 20 <= value <= 350:
            raise ValidationError({name: "Enter mmHg from 20 to 350."})
        return value
    if name in ("monitoring_minutes", "ready_to_leave_minutes"):
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 1440:
            raise ValidationError({name: "Enter whole minutes from 0 to 1440."})
        return value
    if name == "dose_mg":
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 1000:
            raise ValidationError({name: "Enter the dose in whole mg (56, 84 or other)."})
        return value
    if name == "treatment_date":
        return _date(name, value, required=False)
    if name == "monitoring_clinician":
        if value is None:
            return None
        clinician = colleague_by_id(actor, value, roles=[Role.NURSE, Role.PRESCRIBER])
        if clinician is None:
            raise ValidationError({name: "Choose a nurse or prescriber of this clinic."})
        return clinician
    max_chars = {"lot_number": ID_MAX_CHARS, "monitoring_clinician_phone": 32}.get(name, TEXT_MAX_CHARS)
    return clean_text(name, value, max_chars=max_chars)


@transaction.atomic
def do_update_form(actor, form_id: int, **changes) -> MonitoringForm:
    """Complete or correct a draft form; every value is checked before anything is saved."""
    form = _draft(actor, form_id)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise ValidationError(dict.fromkeys(sorted(unknown), "This field cannot be changed here."))
    cleaned = {name: _clean_value(actor, form, name, value) for name, value in changes.items()}
    for name, value in cleaned.items():
        setattr(form, name, value)
    form.save()
    record_event(actor, AuditAction.UPDATE, form, patient=form.patient, detail={"fields": sorted(cleaned)})
    return form


@transaction.atomic
def do_refill_form_from_chart(actor, form_id: int) -> MonitoringForm:
    """Fill the draft's blank fields again from its session chart (e.g. after a late entry)."""
    form = _draft(actor, form_id)
    if form.session_id is None:
        raise ValidationError({"session": "This form is not linked to a session."})
    filled = []
    for name, value in _chart_values(form.session).items():
        if getattr(form, name) in (None, "") and value not in (None, ""):
            setattr(form, name, value)
            filled.append(name)
    form.save()
    record_event(actor, AuditAction.UPDATE, form, patient=form.patient, detail={"refilled": sorted(filled)})
    return form


@transaction.atomic
def do_finalise_form(actor, form_id: int) -> MonitoringForm:
    """Lock a complete form; refused naming every missing field."""
    form = _draft(actor, form_id)
    missing = [name for name, label in FIELD_LABELS.items() if form_values(form).get(name) in (None, "")]
    if missing:
        raise ValidationError(
            {
                name: f"{FIELD_LABELS[name][0].upper()}{FIELD_LABELS[name][1:]} is required before finalising."
                for name in missing
            }
        )
    form.status = FormStatus.FINALISED
    form.finalised_by = actor
    form.finalised_at = timezone.now()
    form.save(update_fields=["status", "finalised_by", "finalised_at", "updated_at"])
    record_event(actor, AuditAction.STATUS_CHANGE, form, patient=form.patient, detail={"status": "finalised"})
    return form


@transaction.atomic
def do_mark_form_submitted(actor, form_id: int, *, submitted_on: dt.date) -> MonitoringForm:
    """Record that the finalised form went to the REMS (online or fax) on `submitted_on`."""
    require_permission(actor, Permission.REMS_FINALISE)
    form = access_form_by_id(actor, form_id, audit=False, for_update=True)
    if not form.is_locked:
        raise ValidationError({"submitted_on": "Finalise the form before recording its submission."})
    if form.submitted_on is not None:
        raise ValidationError({"submitted_on": f"Already recorded as submitted on {form.submitted_on}."})
    submitted_on = _date("submitted_on", submitted_on)
    if submitted_on > location_today(form.location) or (form.treatment_date and submitted_on < form.treatment_date):
        raise ValidationError({"submitted_on": "The submission date must be between the treatment date and today."})
    form.submitted_on = submitted_on
    form.submitted_by = actor
    form.save(update_fields=["submitted_on", "submitted_by", "updated_at"])
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        form,
        patient=form.patient,
        detail={"status": "submitted", "submitted_on": submitted_on},
    )
    return form
