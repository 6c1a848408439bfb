"""What the schedule is made of, set up by the clinic admin: chairs, appointment types, opening
hours, and each clinician's skills and weekly shifts."""

import datetime as dt

from ketacare.accounts.domain.roles import Role
from ketacare.scheduling.actions.resources import (
    do_add_closed_date,
    do_add_default_appointment_types,
    do_add_staff_shift,
    do_save_chair,
    do_set_opening_hours,
    do_set_staff_skills,
)
from ketacare.scheduling.models import AppointmentType, Skill
from ketacare.site.demo.holidays import holidays_between
from ketacare.site.demo.organisation_and_staff import LOCATIONS, STAFF, DemoClinic

# What each role does in the schedule; they work the weekday shifts (Monday to Friday).
STAFF_SKILLS = {
    Role.NURSE: [Skill.MONITOR, Skill.ADMINISTER_IV, Skill.ADMINISTER_IM_SL],
    Role.PRESCRIBER: [Skill.CONSULT, Skill.SUPERVISE_ESKETAMINE],
    Role.THERAPIST: [Skill.INTEGRATION_THERAPY],
}
WEEKDAYS = range(5)
SHIFT_HOURS = (dt.time(7, 30), dt.time(18, 30))
OPENING_HOURS = (dt.time(8), dt.time(18))


def set_up_schedule_resources(clinic: DemoClinic) -> tuple[int, list[AppointmentType]]:
    """Returns the number of chairs and the appointment types."""
    admin = clinic.admin
    chairs = 0
    for name, location in clinic.locations.items():
        for chair, supports_iv, supports_esketamine in LOCATIONS[name]["chairs"]:
            do_save_chair(
                admin,
                location_id=location.pk,
                name=chair,
                supports_iv=supports_iv,
                supports_esketamine=supports_esketamine,
            )
            chairs += 1
    appointment_types = do_add_default_appointment_types(admin)
    for location in clinic.locations.values():
        for weekday in WEEKDAYS:
            do_set_opening_hours(
                admin, location.pk, weekday=weekday, opens_at=OPENING_HOURS[0], closes_at=OPENING_HOURS[1]
            )
    for username, role, *_, location_name in STAFF:
        skills = STAFF_SKILLS.get(role)
        if skills is None:
            continue
        user = clinic.users[username]
        do_set_staff_skills(admin, user.pk, skills)
        for weekday in WEEKDAYS:
            do_add_staff_shift(
                admin,
                user.pk,
                location_id=clinic.locations[location_name].pk,
                weekday=weekday,
                starts_at=SHIFT_HOURS[0],
                ends_at=SHIFT_HOURS[1],
            )
    return chairs, appointment_types


def close_on_public_holidays(clinic: DemoClinic, first: dt.date, last: dt.date) -> set[tuple[int, dt.date]]:
    """The admin closes both locations on the public holidays from `first` to `last`; returns the
    closed (location id, date) pairs."""
    closed = set()
    for location in clinic.locations.values():
        for day, name in holidays_between(first, last):
            do_add_closed_date(clinic.admin, location.pk, date=day, reason=name)
            closed.add((location.pk, day))
    return closed
