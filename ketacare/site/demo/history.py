"""Twelve months of the demo clinic's past, lived through the actions with the clock set back.

Ten past patients, five at each location, come in over the year. Each goes the lawful
way: registered by the front desk and screened (intake with two failed antidepressant trials,
weight, a PHQ-9), seen by the prescriber, who approves the route; on the day of that visit weighed
again, a plan made and started, the induction booked as one course; every session charted step by
step (demo/sessions.py); follow-up questionnaires by emailed link at 4 and 8 weeks; the
prescriber's maintenance decision after the last induction session, on the proposal the scores
give; then maintenance sessions (a few missed), an extension, or a stop; after two maintenance
sessions the patient goes back to their referrer. The stock is topped up every fortnight and each
location closes on the public holidays. What each patient's scores do is set per patient in
PAST_PATIENTS (demo/trajectories.py draws the numbers).
"""

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError

from ketacare.candidacy.domain.findings import Route
from ketacare.ledger.models import Product
from ketacare.measures.actions import do_assign_questionnaire, do_cancel_assignment, do_submit_response
from ketacare.measures.models import AssignmentReason, AssignmentStatus, QuestionnaireAssignment, ResponseChannel
from ketacare.patients.actions import do_change_patient_stage, do_record_weight
from ketacare.patients.models import CareStage, Patient
from ketacare.protocols.actions import (
    do_change_plan_status,
    do_create_plan_from_template,
    do_record_maintenance_decision,
)
from ketacare.protocols.domain.maintenance import Decision
from ketacare.protocols.selectors import build_maintenance_review, list_current_templates
from ketacare.rems.actions import do_enroll_patient
from ketacare.scheduling.actions.attendance import do_mark_no_show
from ketacare.scheduling.actions.booking import do_book_appointment, do_check_in_appointment
from ketacare.scheduling.actions.courses import CourseDoesNotFit, do_book_course
from ketacare.scheduling.models import Appointment, AppointmentKind, AppointmentType
from ketacare.site.demo.billing import open_account
from ketacare.site.demo.candidacy import approve_route, save_intake
from ketacare.site.demo.consents import sign_consents_for_plan
from ketacare.site.demo.ledger import restock
from ketacare.site.demo.organisation_and_staff import BOSTON, PORTLAND, DemoClinic
from ketacare.site.demo.patients import FIRST_NAMES, LAST_NAMES, register_patient
from ketacare.site.demo.sessions import Visit, answer_on_the_tablet, session_story
from ketacare.site.demo.timeline import Timeline, local, local_day
from ketacare.site.demo.trajectories import Course, Trajectory
from ketacare.therapy.actions import do_create_progress_note, do_sign_progress_note

IV, ESKETAMINE, INTEGRATION = "iv", "esketamine", "integration"
TEMPLATE_CODES = {IV: "iv-racemic-ketamine", ESKETAMINE: "esketamine-nasal"}
ROUTES = {IV: Route.KETAMINE_IV, ESKETAMINE: Route.ESKETAMINE_INTRANASAL}
APPOINTMENT_KINDS = {
    IV: AppointmentKind.IV_INFUSION,
    ESKETAMINE: AppointmentKind.ESKETAMINE,
    INTEGRATION: AppointmentKind.INTEGRATION,
}
# Maintenance every 4 weeks for IV (a clinic choice within "individualise", Andrade 2017) and every
# 2 weeks for esketamine (label: weeks 9 on, every 2 weeks or weekly; CLINICAL.md §2).
MAINTENANCE_WEEKS = {IV: 4, ESKETAMINE: 2}
MAINTENANCE_SESSIONS = 2
# The relapse patient keeps coming (at most this many maintenance sessions in the year).
RELAPSE_MAINTENANCE_SESSIONS = 4
EXTENSION_SESSIONS = 3
FOLLOW_UP_DAYS = (28, 56)
RESTOCK_EVERY = dt.timedelta(days=14)
BOOKING_HOURS = (9, 10, 11, 13, 14, 15)
BOOKING_DAYS_AHEAD = 7


@dataclass(frozen=True)
class PastPatient:
    location: str
    route: str
    course: Course
    first_visit_days_ago: int
    # Maintenance session numbers the patient missed (marked no-show, then rebooked).
    no_shows: tuple[int, ...] = ()
    # The treatment (1 = first) before which the PHQ-9 answer to item 9 raises a safety alert.
    alert_before: int = 0
    # The treatment held for a high blood pressure before dosing (overridden by the prescriber).
    held: int = 0


def _location_patients(location: str, shift_days: int) -> list[PastPatient]:
    ago = [days + shift_days for days in (330, 270, 200, 140, 90)]
    return [
        PastPatient(location, IV, Course.REMITTER, ago[0], no_shows=(2,)),
        PastPatient(location, IV, Course.RELAPSE, ago[1], alert_before=8),
        PastPatient(location, ESKETAMINE, Course.RESPONDER, ago[2], held=2),
        PastPatient(location, IV, Course.PARTIAL, ago[3], held=4),
        # Portland's last patient did not respond; Boston's is in maintenance today: started 65 days ago, so
        # the first maintenance session (about day 50) is done and the second (about day 78) still ahead,
        # whatever the weekday and hour the demo is seeded at.
        PastPatient(location, IV, Course.NON_RESPONDER, ago[4], alert_before=3)
        if location == PORTLAND
        else PastPatient(location, IV, Course.REMITTER, ago[4] - 30),
    ]


PAST_PATIENTS = _location_patients(PORTLAND, 0) + _location_patients(BOSTON, 5)
# Each location's first IV patient buys the induction package.
PAST_PATIENTS_FIRST_IV = {
    location: next(spec for spec in PAST_PATIENTS if spec.location == location and spec.route == IV)
    for location in (PORTLAND, BOSTON)
}

INTEGRATION_NOTE = {
    "themes": "Noticing more space between thoughts since the last infusion; sleep better; fear of the effect fading.",
    "goals": "Keep the morning walk; reconnect with one friend this week.",
    "practices": "Five-minute breathing practice before bed; journaling after each session.",
    "risk_check": "no_concerns",
}


class PastYear:
    """The stories of the past year and what they share."""

    def __init__(self, clinic: DemoClinic, timeline: Timeline, appointment_types: list[AppointmentType]):
        self.clinic = clinic
        self.timeline = timeline
        self.types = {
            route: next(t for t in appointment_types if t.kind == kind) for route, kind in APPOINTMENT_KINDS.items()
        }
        self.rng = random.Random(f"{clinic.organisation.demo_seed}:past-year")
        self.patients: list[Patient] = []

    def live(self, start: dt.datetime, first_patient_number: int) -> list[Patient]:
        """Spawn every story and run them to the end of the timeline; returns the past patients."""
        products = list(Product.objects.filter(organisation=self.clinic.organisation).order_by("pk"))
        for number, location in enumerate(self.clinic.locations.values(), start=1):
            self.timeline.spawn(self._restocking(location, number, products, start))
        today = local_day(self.clinic.locations[PORTLAND], self.timeline.end)
        pool = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
        names = self.rng.sample(pool, len(PAST_PATIENTS))
        self.clinic.used_names.update(names)
        for index, (spec, name) in enumerate(zip(PAST_PATIENTS, names, strict=True)):
            first_visit = today - dt.timedelta(days=spec.first_visit_days_ago)
            self.timeline.spawn(self._patient(spec, first_patient_number + index, name, first_visit))
        self.timeline.run()
        return self.patients

    # ------------------------------------------------------------ stock

    def _restocking(self, location, number: int, products: list[Product], start: dt.datetime) -> Iterator[dt.datetime]:
        nurse, _ = self.clinic.clinicians(location.name)
        moment, receipt = start, 1
        while True:
            day = self.timeline.open_day(location, local_day(location, moment))
            yield local(location, day, 8, 30)
            restock(nurse, location, products, number, receipt)
            moment, receipt = local(location, day, 8, 30) + RESTOCK_EVERY, receipt + 1

    # ------------------------------------------------------------ one patient's year

    def _patient(
        self, spec: PastPatient, number: int, name: tuple[str, str], first_visit: dt.date
    ) -> Iterator[dt.datetime]:
        clinic = self.clinic
        location = clinic.locations[spec.location]
        nurse, prescriber = clinic.clinicians(spec.location)
        rng = random.Random(f"{clinic.organisation.demo_seed}:past-patient:{number}")
        trajectory = Trajectory(number, spec.course, rng.randint(15, 24), rng.randint(9, 17))
        weight_kg = Decimal(f"{rng.uniform(55, 105):.1f}")
        escort = f"{rng.choice(FIRST_NAMES)} (partner)"

        # Screening: registered, intake with two failed antidepressant trials, weight, PHQ-9.
        day = self.timeline.open_day(location, first_visit)
        yield local(location, day, 10)
        patient = register_patient(clinic, number, *name, spec.location, rng)
        self.patients.append(patient)
        # Their diagnosis, and their insurance or the induction package (demo/billing.py).
        open_account(
            clinic,
            patient,
            route=spec.route,
            location_name=spec.location,
            first_iv=spec is PAST_PATIENTS_FIRST_IV.get(spec.location),
        )
        _move(prescriber, patient, CareStage.SCREENING, "Referred for treatment-resistant depression; screening today")
        yield local(location, day, 10, 20)
        save_intake(nurse, patient, day, weight_kg=weight_kg)
        visit = Visit(patient, trajectory, day, nurse, prescriber, escort, weight_kg)
        self._questionnaire_now(visit, day, days_before_treatment=14)

        # The prescriber's consultation a week later: the route approved; the plan made that day,
        # with the day's weight, and started; the induction booked as one course.
        day = self.timeline.open_day(location, day + dt.timedelta(days=7))
        yield local(location, day, 13)
        _move(prescriber, patient, CareStage.CONSULTATION, "Screening complete; seen by the prescriber")
        approve_route(prescriber, patient, ROUTES[spec.route])
        if spec.route == ESKETAMINE:
            do_enroll_patient(prescriber, patient.pk, enrollment_id=f"PT-DEMO-{number:04d}", enrolled_on=day)
        yield local(location, day, 13, 40)
        do_record_weight(nurse, patient.pk, weight_kg=weight_kg, measured_on=day)
        self._questionnaire_now(visit, day, days_before_treatment=3)
        start_date = self.timeline.open_day(location, day + dt.timedelta(days=3))
        if spec.route == ESKETAMINE:
            # Twice a week, at least two days apart, on weekdays only: Mondays and Thursdays fit.
            start_date = self.timeline.open_day(location, start_date + dt.timedelta(days=-start_date.weekday() % 7))
        visit.first_treatment_on = start_date
        template = next(t for t in list_current_templates(prescriber) if t.code == TEMPLATE_CODES[spec.route])
        sign_consents_for_plan(nurse, patient, template.route)
        plan = do_create_plan_from_template(prescriber, patient.pk, template_id=template.pk, start_date=start_date)
        plan = do_change_plan_status(prescriber, plan.pk, status="active", reason="Consent signed; induction starts")
        _move(prescriber, patient, CareStage.INDUCTION, "Plan started; induction course booked")
        yield local(location, day, 14, 10)
        course = self._book_course(plan, spec.route, location)
        for follow_up in FOLLOW_UP_DAYS:
            self.timeline.spawn(self._follow_up(visit, location, start_date + dt.timedelta(days=follow_up)))

        treatments = 0
        for appointment in Appointment.objects.filter(course=course).order_by("starts_at"):
            treatments += 1
            yield from self._treatment(spec, visit, appointment, treatments)
        last_day = local_day(location, appointment.starts_at)

        # The decision, the next open day after the last induction session.
        decision = yield from self._decide(visit, plan, location, last_day)
        if decision == Decision.EXTEND:
            for _ in range(EXTENSION_SESSIONS):
                last_day, treatments = yield from self._booked_treatment(spec, visit, location, last_day, 1, treatments)
            decision = yield from self._decide(visit, plan, location, last_day, again=True)
        if decision == Decision.STOP:
            _move(
                prescriber, patient, CareStage.DISCHARGED, "Treatment stopped after the induction; back to the referrer"
            )
            return
        _move(prescriber, patient, CareStage.MAINTENANCE, "Continuing to maintenance after the induction")
        sessions = 0
        while sessions < (RELAPSE_MAINTENANCE_SESSIONS if spec.course == Course.RELAPSE else MAINTENANCE_SESSIONS):
            sessions += 1
            missed = sessions in spec.no_shows
            last_day, treatments = yield from self._booked_treatment(
                spec, visit, location, last_day, MAINTENANCE_WEEKS[spec.route], treatments, no_show=missed
            )
        yield local(location, self.timeline.open_day(location, last_day + dt.timedelta(days=1)), 12)
        do_change_plan_status(
            prescriber,
            plan.pk,
            status="completed",
            reason="Response held through the maintenance sessions; back to the referring psychiatrist's care.",
        )
        _move(prescriber, patient, CareStage.DISCHARGED, "Maintenance completed; back to the referrer")

    def _treatment(self, spec: PastPatient, visit: Visit, appointment: Appointment, number: int):
        if appointment.starts_at + dt.timedelta(hours=3) > self.timeline.end:
            yield self.timeline.end + dt.timedelta(days=1)  # booked for later: the story ends here
        yield from session_story(
            visit, appointment, number, held=number == spec.held, suicidal_thoughts=number == spec.alert_before
        )
        if spec.location == PORTLAND and spec.route == IV and number % 2 == 0:
            # Booked by the front desk as the patient leaves (the story waits for the moment it acts).
            self.timeline.spawn(
                self._integration_note(
                    visit, appointment.location, local_day(appointment.location, appointment.starts_at)
                )
            )

    def _booked_treatment(
        self, spec, visit: Visit, location, after: dt.date, weeks: int, treatments: int, *, no_show=False
    ):
        """Book the next session `weeks` after `after` a week ahead, and live it; (its day, treatments)."""
        target = self.timeline.open_day(location, after + dt.timedelta(weeks=weeks))
        booking_day = self.timeline.open_day(
            location, max(target - dt.timedelta(days=BOOKING_DAYS_AHEAD), after + dt.timedelta(days=1))
        )
        yield max(local(location, booking_day, 11, 30), self.timeline.clock.now() + dt.timedelta(minutes=10))
        appointment = self._book(visit, spec.route, location, target)
        if no_show:
            yield appointment.starts_at + dt.timedelta(minutes=30)
            do_mark_no_show(
                self.clinic.front_desk, appointment.pk, reason="Did not come; phoned, no answer; voicemail left."
            )
            for assignment in QuestionnaireAssignment.objects.filter(
                patient=visit.patient, status=AssignmentStatus.PENDING, due_at=appointment.starts_at
            ):
                do_cancel_assignment(self.clinic.front_desk, assignment)
            yield appointment.starts_at + dt.timedelta(hours=1)
            target = self.timeline.open_day(location, local_day(location, appointment.starts_at) + dt.timedelta(days=2))
            appointment = self._book(visit, spec.route, location, target)
        treatments += 1
        yield from self._treatment(spec, visit, appointment, treatments)
        return local_day(location, appointment.starts_at), treatments

    def _book_course(self, plan, route: str, location):
        """The induction as one course; when its windows meet a weekend or a holiday, a day or two later."""
        for shift_days in range(4):
            try:
                return do_book_course(
                    self.clinic.front_desk,
                    plan.pk,
                    appointment_type_id=self.types[route].pk,
                    location_ids=[location.pk],
                    any_time=True,
                    shift_days=shift_days,
                )
            except CourseDoesNotFit:
                continue
        raise RuntimeError(f"no course fits for plan {plan.pk}")

    def _book(self, visit: Visit, route: str, location, day: dt.date) -> Appointment:
        """The first free time from `day` on; the session's questionnaires are due at its start."""
        while True:
            for hour in BOOKING_HOURS:
                try:
                    appointment = do_book_appointment(
                        self.clinic.front_desk,
                        patient_id=visit.patient.pk,
                        appointment_type_id=self.types[route].pk,
                        location_id=location.pk,
                        starts_at=local(location, day, hour),
                    )
                except ValidationError:
                    continue
                for instrument in ("phq9", "gad7"):
                    do_assign_questionnaire(
                        self.clinic.front_desk,
                        visit.patient,
                        instrument,
                        appointment.starts_at,
                        AssignmentReason.BEFORE_SESSION,
                    )
                return appointment
            day = self.timeline.open_day(location, day + dt.timedelta(days=1))

    def _decide(self, visit: Visit, plan, location, last_day: dt.date, *, again: bool = False):
        """The prescriber's end-of-induction decision on the scores' proposal; returns it."""
        day = self.timeline.open_day(location, last_day + dt.timedelta(days=1))
        yield local(location, day, 12, 15)
        proposal = build_maintenance_review(plan, "phq9").proposal
        decision, note, interval = proposal.decision, "", None
        if decision is None:
            decision, note = Decision.STOP, "Too few scores to judge; stopping and reviewing with the referrer."
        elif decision == Decision.EXTEND and again:
            decision, note = Decision.STOP, "Still only a partial response after the extension; referred back."
        if decision == Decision.CONTINUE:
            interval = MAINTENANCE_WEEKS[ESKETAMINE if plan.template.drug == "esketamine" else IV]
        do_record_maintenance_decision(
            visit.prescriber, plan.pk, decision=decision.value, interval_weeks=interval, note=note
        )
        return decision

    # ------------------------------------------------------------ between sessions

    def _questionnaire_now(self, visit: Visit, day: dt.date, *, days_before_treatment: int) -> None:
        """A PHQ-9 and GAD-7 on the tablet at a visit before the first treatment."""
        for instrument in ("phq9", "gad7"):
            do_assign_questionnaire(
                visit.nurse,
                visit.patient,
                instrument,
                local(visit.patient.home_location, day, 8),
                AssignmentReason.BASELINE,
            )
        answer_on_the_tablet(visit, visit.nurse, -days_before_treatment)

    def _follow_up(self, visit: Visit, location, day: dt.date) -> Iterator[dt.datetime]:
        """Follow-up questionnaires by emailed link: sent in the morning, answered in the evening."""
        yield local(location, day, 9)
        assignments = [
            do_assign_questionnaire(
                visit.nurse, visit.patient, instrument, local(location, day, 20), AssignmentReason.INTERVAL
            ).assignment
            for instrument in ("phq9", "gad7")
        ]
        yield local(location, day, 19, 30)
        since = (day - visit.first_treatment_on).days
        answers = {"phq9": visit.trajectory.phq9(since), "gad7": visit.trajectory.gad7(since)}
        for assignment in assignments:
            # Anonymous: the patient follows the link (actions check the link, not a login).
            do_submit_response(None, assignment, channel=ResponseChannel.LINK, answers=answers[assignment.instrument])

    def _integration_note(self, visit: Visit, location, after: dt.date) -> Iterator[dt.datetime]:
        """An integration session with the therapist, booked right after the treatment for an open
        afternoon soon after; checked in, then the therapist's note, signed."""
        therapist = self.clinic.users["therapist"]
        day = self.timeline.open_day(location, after + dt.timedelta(days=1))
        appointment = None
        while appointment is None:
            for hour in BOOKING_HOURS[-3:]:
                try:
                    appointment = do_book_appointment(
                        self.clinic.front_desk,
                        patient_id=visit.patient.pk,
                        appointment_type_id=self.types[INTEGRATION].pk,
                        location_id=location.pk,
                        starts_at=local(location, day, hour),
                        clinician_id=therapist.pk,
                    )
                    break
                except ValidationError:
                    continue
            day = self.timeline.open_day(location, day + dt.timedelta(days=1))
        yield appointment.starts_at
        do_check_in_appointment(self.clinic.front_desk, appointment.pk)
        yield appointment.ends_at
        note = do_create_progress_note(
            therapist,
            visit.patient.pk,
            session_at=appointment.starts_at,
            duration_minutes=int((appointment.ends_at - appointment.starts_at).total_seconds() // 60),
            appointment_id=appointment.pk,
            **INTEGRATION_NOTE,
        )
        do_sign_progress_note(therapist, note.pk)


def _move(prescriber, patient: Patient, stage: str, reason: str) -> None:
    """The patient's care stage, unless an action has already moved it there."""
    if Patient.objects.values_list("stage", flat=True).get(pk=patient.pk) != stage:
        do_change_patient_stage(prescriber, patient.pk, stage=stage, reason=reason)
