"""Treatment plans booked as whole courses, and patients waiting on the waitlist.

Some induction patients get an IV plan from the built-in template, started tomorrow and booked by
the front desk as one course; two patients in consultation wait for IV slots.
"""

import datetime as dt

from django.utils import timezone

from ketacare.patients.actions import do_record_weight
from ketacare.patients.models import CareStage, Patient
from ketacare.protocols.actions import do_change_plan_status, do_create_plan_from_template
from ketacare.protocols.selectors import list_current_templates
from ketacare.scheduling.actions.courses import do_book_course
from ketacare.scheduling.actions.waitlist import do_add_to_waitlist
from ketacare.scheduling.models import AppointmentKind, AppointmentType
from ketacare.site.demo.organisation_and_staff import DemoClinic

# Induction patients whose IV course is planned and booked (the rest are still being planned).
BOOKED_COURSES = 4
WAITING_PATIENTS = 2
IV_TEMPLATE_CODE = "iv-racemic-ketamine"
WAITLIST_AVAILABILITY = [{"days": ["mon", "wed", "fri"], "from": "08:00", "to": "13:00"}]


def book_courses(clinic: DemoClinic, patients: list[Patient], appointment_types: list[AppointmentType]) -> int:
    """Returns how many courses were booked."""
    iv = next(kind for kind in appointment_types if kind.kind == AppointmentKind.IV_INFUSION)
    inducted = [patient for patient in patients if patient.stage == CareStage.INDUCTION][:BOOKED_COURSES]
    for patient in inducted:
        location = patient.home_location
        nurse, prescriber = clinic.clinicians(location.name)
        template = next(t for t in list_current_templates(prescriber) if t.code == IV_TEMPLATE_CODE)
        tomorrow = timezone.localdate(timezone=location.zone) + dt.timedelta(days=1)
        # A weight of today keeps the dose calculation within the protocol's 30-day limit.
        latest = patient.weights.order_by("-measured_on").first()
        do_record_weight(nurse, patient.pk, weight_kg=latest.weight_kg, measured_on=tomorrow - dt.timedelta(days=1))
        plan = do_create_plan_from_template(prescriber, patient.pk, template_id=template.pk, start_date=tomorrow)
        do_change_plan_status(prescriber, plan.pk, status="active", reason="Consent signed; induction starts")
        do_book_course(clinic.front_desk, plan.pk, appointment_type_id=iv.pk, location_ids=[location.pk], any_time=True)
    waiting = [patient for patient in patients if patient.stage == CareStage.CONSULTATION][:WAITING_PATIENTS]
    for patient in waiting:
        do_add_to_waitlist(
            clinic.front_desk,
            patient_id=patient.pk,
            appointment_type_id=iv.pk,
            location_ids=[patient.home_location_id],
            earliest_date=timezone.localdate() + dt.timedelta(days=7),
            availability=WAITLIST_AVAILABILITY,
        )
    return len(inducted)
