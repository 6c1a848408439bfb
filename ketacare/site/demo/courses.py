"""Treatment plans booked as whole courses, and patients waiting on the waitlist.

Some induction patients get an IV plan from the built-in template (after their intake, the
prescriber's approval of the route and the day's weight), started tomorrow and booked by the front
desk as one course; two patients in consultation, their plans ready, wait for IV slots.
"""

import datetime as dt

from django.utils import timezone

from ketacare.candidacy.domain.findings import Route
from ketacare.patients.models import CareStage, Patient
from ketacare.protocols.actions import do_change_plan_status, do_create_plan_from_template
from ketacare.protocols.selectors import list_current_templates
from ketacare.scheduling.actions.courses import do_book_course
from ketacare.scheduling.actions.waitlist import do_add_to_waitlist
from ketacare.scheduling.models import AppointmentKind, AppointmentType
from ketacare.site.demo.candidacy import approve_route, save_intake
from ketacare.site.demo.consents import sign_consents_for_plan
from ketacare.site.demo.organisation_and_staff import DemoClinic

# Induction patients whose IV course is planned and booked (the rest are still being planned).
BOOKED_COURSES = 4
WAITING_PATIENTS = 2
IV_TEMPLATE_CODE = "iv-racemic-ketamine"
WAITLIST_DAYS_AHEAD = 7
WAITLIST_AVAILABILITY = [{"days": ["mon", "wed", "fri"], "from": "08:00", "to": "13:00"}]


def book_courses(clinic: DemoClinic, patients: list[Patient], appointment_types: list[AppointmentType]) -> int:
    """Returns how many courses were booked."""
    iv = next(kind for kind in appointment_types if kind.kind == AppointmentKind.IV_INFUSION)
    inducted = [patient for patient in patients if patient.stage == CareStage.INDUCTION][:BOOKED_COURSES]
    for patient in inducted:
        plan = _start_iv_plan(clinic, patient, start_days_ahead=1)
        do_book_course(
            clinic.front_desk,
            plan.pk,
            appointment_type_id=iv.pk,
            location_ids=[plan.patient.home_location_id],
            any_time=True,
        )
    waiting = [patient for patient in patients if patient.stage == CareStage.CONSULTATION][:WAITING_PATIENTS]
    for patient in waiting:
        _start_iv_plan(clinic, patient, start_days_ahead=WAITLIST_DAYS_AHEAD)
        do_add_to_waitlist(
            clinic.front_desk,
            patient_id=patient.pk,
            appointment_type_id=iv.pk,
            location_ids=[patient.home_location_id],
            earliest_date=timezone.localdate(timezone=patient.home_location.zone)
            + dt.timedelta(days=WAITLIST_DAYS_AHEAD),
            availability=WAITLIST_AVAILABILITY,
        )
    return len(inducted)


def _start_iv_plan(clinic: DemoClinic, patient: Patient, *, start_days_ahead: int):
    """The lawful way to an active IV plan: the intake, the prescriber's approval of the route, today's
    weight, the signed consent, then the plan, started."""
    location = patient.home_location
    nurse, prescriber = clinic.clinicians(location.name)
    today = timezone.localdate(timezone=location.zone)
    latest = patient.weights.order_by("-measured_on").first()
    save_intake(nurse, patient, today, weight_kg=latest.weight_kg)
    approve_route(prescriber, patient, Route.KETAMINE_IV)
    template = next(t for t in list_current_templates(prescriber) if t.code == IV_TEMPLATE_CODE)
    sign_consents_for_plan(nurse, patient, template.route)
    start = today + dt.timedelta(days=start_days_ahead)
    plan = do_create_plan_from_template(prescriber, patient.pk, template_id=template.pk, start_date=start)
    return do_change_plan_status(prescriber, plan.pk, status="active", reason="Consent signed; induction starts")
