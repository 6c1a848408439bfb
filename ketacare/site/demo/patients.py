"""Today's fictional patients in every care stage up to induction, with diagnoses, medicines,
allergies and weights.

Registered by the front desk, moved to their stage by a prescriber and charted by the nurse,
all through the patients app's actions. The first is the portal patient, with a login.
"""

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from ketacare.accounts.domain.roles import Role
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.patients.actions import (
    do_add_allergy,
    do_add_diagnosis,
    do_add_medication,
    do_change_patient_stage,
    do_record_weight,
    do_register_patient,
)
from ketacare.patients.models import CareStage, Patient
from ketacare.site.demo.organisation_and_staff import (
    BOSTON,
    LOCATIONS,
    PATIENT_USERNAME,
    PORTLAND,
    REFERENCE_DATE,
    VIA,
    DemoClinic,
    create_login,
)

# The portal patient is fixed so the demo walkthrough can name them.
PORTAL_PATIENT = {"first_name": "Sam", "last_name": "Rivera", "stage": CareStage.INDUCTION, "location": PORTLAND}

# Patients in maintenance and discharged ones come from the past year (demo/history.py), with
# the courses that brought them there.
STAGE_COUNTS = {
    CareStage.REGISTERED: 6,
    CareStage.SCREENING: 6,
    CareStage.CONSULTATION: 6,
    CareStage.INDUCTION: 8,
    CareStage.NOT_ELIGIBLE: 3,
}
PATIENT_COUNT = sum(STAGE_COUNTS.values())
STAGE_REASONS = {
    CareStage.SCREENING: "Referral received; screening booked",
    CareStage.CONSULTATION: "Screening done; consultation with the prescriber",
    CareStage.INDUCTION: "Approved for induction",
    CareStage.NOT_ELIGIBLE: "Not a candidate: see the candidacy notes",
}
FIRST_NAMES = [
    "Alex", "Blake", "Cameron", "Dana", "Elliot", "Frances", "Gabriel", "Harper", "Imani", "Jesse",
    "Kendall", "Leah", "Marcus", "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Simone", "Theo",
    "Uma", "Victor", "Wren", "Yusuf", "Zoe", "Amara", "Bruno", "Celia", "Dmitri", "Esther",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Bergstrom", "Castillo", "Delgado", "Ellison", "Fairbanks", "Greer", "Holloway", "Ibarra",
    "Jensen", "Kowalski", "Lindqvist", "Mercer", "Novak", "Okafor", "Prescott", "Quintero", "Ramsey",
    "Sorensen", "Thornton", "Underwood", "Valdez", "Whitaker", "Yamada", "Zeller",
]  # fmt: skip
STREETS = ["Alder Lane", "Birch Court", "Cedar Row", "Dock Street", "Elm Terrace", "Ferry Road", "Gull Avenue"]
DEPRESSION_DIAGNOSES = [
    ("F33.2", "Major depressive disorder, recurrent severe without psychotic features"),
    ("F33.1", "Major depressive disorder, recurrent, moderate"),
    ("F32.2", "Major depressive disorder, single episode, severe without psychotic features"),
]
COMORBID_DIAGNOSES = [
    ("F41.1", "Generalized anxiety disorder"),
    ("F43.10", "Post-traumatic stress disorder, unspecified"),
]
MEDICATIONS = [
    ("sertraline", "100 mg", "once daily"),
    ("bupropion XL", "300 mg", "once daily"),
    ("escitalopram", "20 mg", "once daily"),
    ("venlafaxine XR", "150 mg", "once daily"),
    ("duloxetine", "60 mg", "once daily"),
    ("aripiprazole", "5 mg", "once daily"),
    ("mirtazapine", "15 mg", "at bedtime"),
    ("lamotrigine", "100 mg", "once daily"),
    ("lorazepam", "0.5 mg", "as needed for anxiety"),
]
ALLERGIES = [
    ("penicillin", "rash", "mild"),
    ("sulfonamide antibiotics", "hives", "moderate"),
    ("latex", "contact dermatitis", "mild"),
    ("codeine", "nausea and vomiting", "mild"),
    ("adhesive tape", "skin irritation", "mild"),
]
RELATIONSHIPS = ["partner", "parent", "sibling", "friend", "spouse"]


def add_patients(clinic: DemoClinic) -> list[Patient]:
    rng = clinic.rng
    stages = [stage for stage, count in STAGE_COUNTS.items() for _ in range(count)]
    stages.remove(PORTAL_PATIENT["stage"])
    rng.shuffle(stages)
    unused = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES if (first, last) not in clinic.used_names]
    names = rng.sample(unused, PATIENT_COUNT - 1)
    people = [
        (PORTAL_PATIENT["first_name"], PORTAL_PATIENT["last_name"], PORTAL_PATIENT["stage"], PORTAL_PATIENT["location"])
    ]
    people += [
        (first, last, stage, rng.choice([PORTLAND, PORTLAND, BOSTON]))
        for (first, last), stage in zip(names, stages, strict=True)
    ]
    patients = []
    for number, (first, last, stage, location_name) in enumerate(people, start=1):
        patient = _register(clinic, number, first, last, location_name)
        # Seed data jumps straight to the stage; in the app the candidacy and
        # treatment steps move a patient along.
        if stage != patient.stage:
            _, prescriber = clinic.clinicians(location_name)
            patient = do_change_patient_stage(prescriber, patient.pk, stage=stage, reason=STAGE_REASONS[stage])
        _add_clinical_history(clinic, patient, stage, location_name, showcase=number == 1)
        patients.append(patient)
    _link_portal_login(clinic, patients[0])
    return patients


def _register(clinic: DemoClinic, number: int, first: str, last: str, location_name: str) -> Patient:
    return register_patient(clinic, number, first, last, location_name, clinic.rng)


def register_patient(
    clinic: DemoClinic, number: int, first: str, last: str, location_name: str, rng: random.Random
) -> Patient:
    """The front desk registers patient `number` (their phone numbers follow from it)."""
    spec = LOCATIONS[location_name]
    # 555-0100..0199 are the numbers reserved for fiction; 0100 is the clinic's own.
    phone = f"+1{spec['area_code']}5550{100 + number:03d}"
    fields = {
        "first_name": first,
        "last_name": last,
        "date_of_birth": REFERENCE_DATE - dt.timedelta(days=rng.randint(22 * 365, 72 * 365)),
        "sex_at_birth": rng.choice(["female", "male"]),
        "email": f"{first}.{last}{number}@example.com".lower(),
        "phone": phone,
        "address_line": f"{rng.randint(10, 999)} {rng.choice(STREETS)}",
        "city": spec["city"],
        "region": spec["region"],
        "postal_code": f"{spec['postal_prefix']}{rng.randint(1, 99):02d}",
        "home_location": clinic.locations[location_name],
    }
    if rng.random() < 0.7:
        fields.update(
            emergency_contact_name=f"{rng.choice(FIRST_NAMES)} {last}",
            emergency_contact_relationship=rng.choice(RELATIONSHIPS),
            emergency_contact_phone=f"+1{spec['area_code']}5550{100 + (50 + number) % 90:03d}",
        )
    return do_register_patient(clinic.front_desk, organisation=clinic.organisation, **fields)


def _add_clinical_history(
    clinic: DemoClinic, patient: Patient, stage: str, location_name: str, *, showcase: bool
) -> None:
    """Diagnoses, medicines, allergies and weights; the showcase (portal) patient has some of each."""
    rng = clinic.rng
    nurse, prescriber = clinic.clinicians(location_name)
    # The patient's own calendar day: a weight taken "today" must not be in their future.
    today = timezone.localdate(timezone=clinic.locations[location_name].zone)
    if stage != CareStage.REGISTERED or rng.random() < 0.3:
        code, description = rng.choice(DEPRESSION_DIAGNOSES)
        do_add_diagnosis(prescriber, patient.pk, icd10_code=code, description=description)
        if rng.random() < 0.4:
            code, description = rng.choice(COMORBID_DIAGNOSES)
            do_add_diagnosis(prescriber, patient.pk, icd10_code=code, description=description)
    medication_count = 2 if showcase else rng.choice([0, 1, 1, 2, 2, 3])
    for name, dose, frequency in rng.sample(MEDICATIONS, medication_count):
        started_on = today - dt.timedelta(days=rng.randint(60, 900))
        do_add_medication(nurse, patient.pk, name=name, dose=dose, frequency=frequency, started_on=started_on)
    if showcase or rng.random() < 0.3:
        substance, reaction, severity = rng.choice(ALLERGIES)
        do_add_allergy(nurse, patient.pk, substance=substance, reaction=reaction, severity=severity)
    weight_kg = rng.uniform(52, 112)
    for weeks_ago in sorted(rng.sample(range(16), 3 if showcase else rng.randint(1, 3)), reverse=True):
        weight_kg += rng.uniform(-1.5, 1.5)
        measured_on = today - dt.timedelta(weeks=weeks_ago)
        do_record_weight(nurse, patient.pk, weight_kg=Decimal(f"{weight_kg:.1f}"), measured_on=measured_on)


def _link_portal_login(clinic: DemoClinic, patient: Patient) -> None:
    # No action links a portal login to a record yet (there is no portal sign-up); written and
    # audited here as `ketacare add_user` does for staff.
    user = create_login(
        clinic.organisation, PATIENT_USERNAME, Role.PATIENT, patient.first_name, patient.last_name, email=patient.email
    )
    patient.user = user
    patient.save(update_fields=["user"])
    record_event(
        clinic.front_desk,
        AuditAction.UPDATE,
        patient,
        patient=patient,
        detail={"portal_user": user.username, "via": VIA},
    )
