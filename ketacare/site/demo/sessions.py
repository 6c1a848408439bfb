"""One treatment session of the demo's past, step by step through the actions, each step at its
minute: the patient's questionnaires on the tablet, check-in and the checklist, pre-dose vitals
(a high reading holds the session until the prescriber overrides it), the dose drawn from the
ledger's oldest lot and checked by the prescriber on shift, the rest of an IV vial wasted with the
prescriber as witness, the infusion or the esketamine devices, vitals at the protocol's check
times, MOAA/S and CADSS, discharge after the minimum observation with vitals after the end of
administration, both signatures, and for esketamine the REMS monitoring form, finalised.
"""

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from ketacare.ledger.models import Drug as LedgerDrug
from ketacare.ledger.models import Vial
from ketacare.ledger.selectors import available_vials
from ketacare.measures.actions import do_acknowledge_alert, do_enter_response, do_submit_response
from ketacare.measures.models import Alert, AssignmentStatus, QuestionnaireAssignment, ResponseChannel
from ketacare.rems.actions import do_create_form_from_session, do_finalise_form, do_mark_form_submitted
from ketacare.scheduling.models import Appointment
from ketacare.site.demo.organisation_and_staff import DEMO_PASSWORD
from ketacare.site.demo.timeline import local_day
from ketacare.site.demo.trajectories import Trajectory
from ketacare.treatments import actions as chart
from ketacare.treatments.models import CheckItem, SessionStatus

ESKETAMINE_DOSE_MG = 56  # the label's first dose; two devices, one kit, nothing left to waste
INFUSION_MIN = 40
DEVICE_REST_MIN = 5
# Minutes after the start of administration (the first device) at which the nurse takes vitals,
# rates sedation and dissociation, and discharges: after the minimum observation (IV: from the end
# of the infusion; esketamine: two hours from the first device, CLINICAL.md §2).
IV_VITALS_MIN = (0, 15, 30, 40, 60, 75)
ESKETAMINE_VITALS_MIN = (DEVICE_REST_MIN, 40, 90, 120)
MOAAS_MIN, CADSS_MIN = 15, 40
IV_DISCHARGE_MIN, ESKETAMINE_DISCHARGE_MIN = 77, 122
HELD_BP, CALM_BP = (148, 94), (126, 80)
CSSRS_LOW_RISK = {1: 1, 2: 0, 3: None, 4: None, 5: None, 6: 0, 7: None}


@dataclass
class Visit:
    """Who is in the chair and who looks after them."""

    patient: object
    trajectory: Trajectory
    first_treatment_on: dt.date
    nurse: object
    prescriber: object
    escort: str
    weight_kg: Decimal


def session_story(
    visit: Visit, appointment: Appointment, number: int, *, held: bool = False, suicidal_thoughts: bool = False
) -> Iterator[dt.datetime]:
    """The session of `appointment` (the patient's `number`th treatment); yields each step's moment."""
    nurse, prescriber, patient = visit.nurse, visit.prescriber, visit.patient
    start = appointment.starts_at
    location = appointment.location
    day = (local_day(location, start) - visit.first_treatment_on).days

    yield start - dt.timedelta(minutes=15)
    raised = answer_on_the_tablet(visit, nurse, day, suicidal_thoughts=suicidal_thoughts)
    if raised:
        yield start - dt.timedelta(minutes=5)
        # Reviewed before the dose: the prescriber speaks with the patient, the nurse screens.
        do_enter_response(nurse, patient, "cssrs_screener", CSSRS_LOW_RISK)
        for alert in raised:
            do_acknowledge_alert(
                prescriber,
                alert,
                "Spoke with the patient before the session: passive thoughts, no plan or intent; C-SSRS "
                "screener low risk. Safety plan reviewed, crisis line 988 given; treatment went ahead.",
            )

    yield start
    session = chart.do_start_session(nurse, appointment.pk)
    answers = {
        CheckItem.IDENTITY: True,
        CheckItem.QUESTIONNAIRES: True,
        CheckItem.FASTING: True,
        CheckItem.DRIVER: True,
        CheckItem.INTERACTING_MEDICINES: True,
    }
    if session.template.is_weight_based:
        answers[CheckItem.WEIGHT] = True
    chart.do_record_checklist(nurse, session.pk, answers=answers, weight_kg=visit.weight_kg, interacting_medicines=[])

    yield start + dt.timedelta(minutes=5)
    _vitals(nurse, session, HELD_BP if held else CALM_BP, day)
    session = chart.do_complete_prechecks(nurse, session.pk)
    if session.status == SessionStatus.HELD:
        yield start + dt.timedelta(minutes=15)
        _vitals(nurse, session, (136, 86), day)
        chart.do_override_hold(
            prescriber, session.pk, reason="Anxious at arrival; after 10 minutes' rest 136/86. Proceed, watch BP."
        )

    yield start + dt.timedelta(minutes=20)
    drug = LedgerDrug.ESKETAMINE if session.is_esketamine else LedgerDrug.KETAMINE
    vial = available_vials(nurse, location, drug).first()
    preparation = chart.do_prepare_dose(
        nurse,
        session.pk,
        vial_id=vial.pk,
        checker_username=prescriber.username,
        checker_password=DEMO_PASSWORD,
        dose_mg=ESKETAMINE_DOSE_MG if session.is_esketamine else None,
    )
    left_mg = Vial.objects.get(pk=vial.pk).balance_mg
    if left_mg > 0:
        chart.do_waste_remainder(
            nurse,
            session.pk,
            preparation.pk,
            quantity_mg=left_mg,
            witness_id=prescriber.pk,
            witness_password=DEMO_PASSWORD,
            reason="Remainder of a single-patient vial",
        )

    yield start + dt.timedelta(minutes=25)
    dosed_at = start + dt.timedelta(minutes=25)
    if session.is_esketamine:
        chart.do_record_device(nurse, session.pk)
        yield dosed_at + dt.timedelta(minutes=DEVICE_REST_MIN)
        chart.do_record_device(nurse, session.pk)
        steps = _monitoring(ESKETAMINE_VITALS_MIN, None, ESKETAMINE_DISCHARGE_MIN)
    else:
        chart.do_start_administration(nurse, session.pk)
        steps = _monitoring(IV_VITALS_MIN, INFUSION_MIN, IV_DISCHARGE_MIN)
    for minute, step in steps:
        yield dosed_at + dt.timedelta(minutes=minute)
        if step == "vitals":
            _vitals(nurse, session, (124 + minute % 7, 78 + minute % 5), day + minute)
        elif step == "stop":
            chart.do_stop_administration(nurse, session.pk)
        elif step == "moaas":
            chart.do_record_rating(nurse, session.pk, instrument="moaas", answers=visit.trajectory.moaas(day))
        elif step == "cadss":
            chart.do_record_rating(nurse, session.pk, instrument="cadss", answers=visit.trajectory.cadss(day, number))
        elif step == "discharge":
            chart.do_discharge(
                nurse, session.pk, alert=True, walking_steadily=True, accompanied_home=True, escort_name=visit.escort
            )

    discharged_at = dosed_at + dt.timedelta(minutes=steps[-1][0])
    yield discharged_at + dt.timedelta(minutes=5)
    chart.do_sign_session(nurse, session.pk)
    if session.is_esketamine:
        form = do_create_form_from_session(nurse, session.pk)
        do_finalise_form(nurse, form.pk)
    yield discharged_at + dt.timedelta(minutes=20)
    chart.do_sign_session(prescriber, session.pk)
    if session.is_esketamine:
        do_mark_form_submitted(prescriber, form.pk, submitted_on=local_day(location, discharged_at))


def _monitoring(vitals_min: tuple[int, ...], stop_min: int | None, discharge_min: int) -> list[tuple[int, str]]:
    steps = [(minute, "vitals") for minute in vitals_min]
    steps += [(MOAAS_MIN, "moaas"), (CADSS_MIN, "cadss"), (discharge_min, "discharge")]
    if stop_min is not None:
        steps.append((stop_min, "stop"))
    # At the same minute: vitals, then the stop, then the ratings (so the 40-minute vitals are
    # taken while the infusion still runs).
    order = {"vitals": 0, "stop": 1, "moaas": 2, "cadss": 2, "discharge": 3}
    return sorted(steps, key=lambda step: (step[0], order[step[1]]))


def _vitals(nurse, session, bp: tuple[int, int], seed: int) -> None:
    chart.do_record_vitals(
        nurse,
        session.pk,
        systolic_mmhg=bp[0],
        diastolic_mmhg=bp[1],
        heart_rate_bpm=68 + seed % 14,
        spo2_percent=97 + seed % 3,
    )


def answer_on_the_tablet(visit: Visit, nurse, day: int, *, suicidal_thoughts: bool = False) -> list[Alert]:
    """The patient answers every questionnaire pending for today on the clinic tablet; returns the
    safety alerts they raised."""
    zone = visit.patient.home_location.zone
    end_of_today = dt.datetime.combine(timezone.now().astimezone(zone).date() + dt.timedelta(days=1), dt.time(), zone)
    answers = {
        "phq9": visit.trajectory.phq9(day, suicidal_thoughts=suicidal_thoughts),
        "gad7": visit.trajectory.gad7(day),
    }
    raised = []
    pending = QuestionnaireAssignment.objects.filter(
        patient=visit.patient, instrument__in=answers, status=AssignmentStatus.PENDING, due_at__lt=end_of_today
    )
    for assignment in pending.order_by("due_at", "pk"):
        response = do_submit_response(
            nurse, assignment, channel=ResponseChannel.TABLET, answers=answers[assignment.instrument]
        )
        raised += list(Alert.objects.filter(response=response))
    return raised
