"""`ketacare seed-demo`: the fictional demo clinic, created once in an empty database.

Everything is made up: names, addresses (555 phone numbers, example.com
mail), histories. The random draws come from one fixed seed, stored on the
organisation, so every run builds the same clinic.
"""

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from ketacare.accounts.domain.roles import Role
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.actions import do_save_clinic_page
from ketacare.clinics.models import Location, Organisation
from ketacare.inquiries.actions import do_change_inquiry_status, do_submit_inquiry
from ketacare.inquiries.domain.validation import InquirySubmission, WindowRequest
from ketacare.inquiries.models import HelpReason, Inquiry, InquiryStatus
from ketacare.patients.actions import (
    do_add_allergy,
    do_add_diagnosis,
    do_add_medication,
    do_change_patient_stage,
    do_record_weight,
    do_register_patient,
)
from ketacare.patients.models import CareStage, Patient
from ketacare.ledger import actions as ledger_actions
from ketacare.protocols.actions import do_change_plan_status, do_create_plan_from_template
from ketacare.protocols.models import ProtocolTemplate
from ketacare.rems.actions import do_record_certification
from ketacare.scheduling.actions import ensure_default_appointment_types
from ketacare.scheduling.courses import do_add_to_waitlist, do_book_course
from ketacare.scheduling.models import (
    AppointmentKind,
    AppointmentType,
    Chair,
    OpeningHours,
    Skill,
    StaffShift,
    StaffSkill,
)

DEMO_SEED = 20260101
DEMO_PASSWORD = "ketacare-demo"
# Fixed, so dates of birth do not move between runs.
REFERENCE_DATE = dt.date(2026, 1, 1)

# Shown on every public page, so it speaks of the clinic rather than one form.
CRISIS_TEXT = (
    "This clinic is not an emergency service. If you are thinking about suicide or are in crisis, "
    "call or text 988 (Suicide & Crisis Lifeline, US) or call 911, or go to the nearest emergency department."
)

PORTLAND, BOSTON = "Portland", "Boston"
LOCATIONS = {
    PORTLAND: {
        "time_zone": "America/Los_Angeles", "phone": "(503) 555-0100",
        "address": "200 Harbor Way, Suite 300\nPortland, OR 97201",
        "area_code": "503", "city": "Portland", "region": "OR", "postal_prefix": "972",
        # (name, supports_iv, supports_esketamine)
        "chairs": [("Chair 1", True, False), ("Chair 2", True, False),
                   ("Chair 3", True, True), ("Chair 4", False, True)],
    },
    BOSTON: {
        "time_zone": "America/New_York", "phone": "(617) 555-0100",
        "address": "75 Wharf Street, Floor 4\nBoston, MA 02110",
        "area_code": "617", "city": "Boston", "region": "MA", "postal_prefix": "021",
        "chairs": [("Chair 1", True, False), ("Chair 2", True, True), ("Chair 3", True, True)],
    },
}

# username, role, first name, last name, title, where they work
STAFF = [
    ("frontdesk", Role.FRONT_DESK, "Riley", "Chen", "", PORTLAND),
    ("nurse", Role.NURSE, "Morgan", "Hayes", "RN", PORTLAND),
    ("prescriber", Role.PRESCRIBER, "Avery", "Patel", "MD", PORTLAND),
    ("therapist", Role.THERAPIST, "Jamie", "Ortiz", "LCSW", PORTLAND),
    ("admin", Role.CLINIC_ADMIN, "Casey", "Brooks", "", PORTLAND),
    ("nurse2", Role.NURSE, "Taylor", "Nguyen", "RN", BOSTON),
    ("prescriber2", Role.PRESCRIBER, "Jordan", "Kim", "NP", BOSTON),
]
# What each role does in the schedule, and the weekday shifts (Monday to Friday) they work.
STAFF_SKILLS = {
    Role.NURSE: [Skill.MONITOR, Skill.ADMINISTER_IV, Skill.ADMINISTER_IM_SL],
    Role.PRESCRIBER: [Skill.CONSULT, Skill.SUPERVISE_ESKETAMINE],
    Role.THERAPIST: [Skill.INTEGRATION_THERAPY],
}
SHIFT_HOURS = (dt.time(7, 30), dt.time(18, 30))
OPENING_HOURS = (dt.time(8), dt.time(18))
# Induction patients whose IV course is planned and booked (the rest are still being planned).
BOOKED_COURSES = 4
PATIENT_USERNAME = "patient"
# The portal patient is fixed so the demo walkthrough can name them.
PORTAL_PATIENT = {"first_name": "Sam", "last_name": "Rivera", "stage": CareStage.INDUCTION, "location": PORTLAND}

PATIENT_COUNT = 40
STAGE_COUNTS = {
    CareStage.REGISTERED: 6, CareStage.SCREENING: 6, CareStage.CONSULTATION: 6, CareStage.INDUCTION: 8,
    CareStage.MAINTENANCE: 7, CareStage.DISCHARGED: 4, CareStage.NOT_ELIGIBLE: 3,
}
FIRST_NAMES = [
    "Alex", "Blake", "Cameron", "Dana", "Elliot", "Frances", "Gabriel", "Harper", "Imani", "Jesse",
    "Kendall", "Leah", "Marcus", "Nadia", "Owen", "Priya", "Quinn", "Rosa", "Simone", "Theo",
    "Uma", "Victor", "Wren", "Yusuf", "Zoe", "Amara", "Bruno", "Celia", "Dmitri", "Esther",
]
LAST_NAMES = [
    "Abbott", "Bergstrom", "Castillo", "Delgado", "Ellison", "Fairbanks", "Greer", "Holloway", "Ibarra",
    "Jensen", "Kowalski", "Lindqvist", "Mercer", "Novak", "Okafor", "Prescott", "Quintero", "Ramsey",
    "Sorensen", "Thornton", "Underwood", "Valdez", "Whitaker", "Yamada", "Zeller",
]
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

# (status, how many)
INQUIRY_STATUSES = [
    (InquiryStatus.NEW, 8), (InquiryStatus.CONTACTED, 2), (InquiryStatus.SCHEDULED, 1), (InquiryStatus.DECLINED, 1),
]
STATUS_NOTES = {
    InquiryStatus.CONTACTED: "Left a voicemail; will try again tomorrow morning.",
    InquiryStatus.SCHEDULED: "Consultation booked; records requested from the referring psychiatrist.",
    InquiryStatus.DECLINED: "Looking for ketamine for chronic pain; referred to a pain clinic.",
}
CURRENT_TREATMENTS = [
    "Sertraline for two years, tried escitalopram before. Seeing a therapist every other week.",
    "Bupropion and talk therapy. Tried three antidepressants in the last four years.",
    "Venlafaxine; had a course of TMS last year that helped a little.",
    "Nothing at the moment; stopped duloxetine because of side effects.",
    "",
]
HEARD_ABOUT = ["My psychiatrist", "Web search", "A friend", "My primary care doctor", ""]

PAGES = [
    ("What is ketamine therapy", "what-is-ketamine-therapy", """\
Ketamine is a medicine that has been used in anaesthesia for decades. At much lower doses it is used to treat depression that has not got better with other treatments. For depression this use of ketamine is "off-label": it is not an FDA-approved indication, but it has been studied in clinical trials.

Esketamine (Spravato) is a nasal spray made from one form of ketamine. It is approved by the US FDA for adults with treatment-resistant depression, and for depressive symptoms in adults with major depressive disorder who have suicidal thoughts or actions.

We offer two treatments.

Ketamine infusion: ketamine is given through a drip into a vein (IV), usually 0.5 mg for each kilogram of body weight, over about 40 minutes. A first course is typically six infusions over two to three weeks.

Esketamine nasal spray: you use the spray yourself in the clinic, with our staff watching, under the Spravato REMS safety programme. It is never taken home. Treatment usually starts twice a week for four weeks, then becomes less frequent.

Ketamine treatment usually works alongside your other care, such as antidepressant medicine and talking therapy, rather than replacing it. Your prescriber will explain which option, if either, suits you."""),
    ("Who it may help", "who-it-may-help", """\
Ketamine treatment is considered for adults whose depression has not improved enough after at least two antidepressant medicines, each taken at a good dose for long enough. This is often called treatment-resistant depression.

Many people we see also live with anxiety or post-traumatic stress alongside depression. The evidence for ketamine is strongest for depression; for other conditions we will tell you honestly what is and is not known.

Ketamine is not right for everyone. Before any treatment, a prescriber reviews your mental and physical health, including any history of psychosis, alcohol or drug use, high blood pressure, disease of the heart or blood vessels (such as an aneurysm), or bleeding in the brain, and every medicine you take. Some of these mean ketamine or esketamine would not be safe for you.

If ketamine is not a good fit, we will explain why and help you think about other options with your own clinicians."""),
    ("What to expect", "what-to-expect", """\
It starts with a consultation request. Our team will call you to talk through your history and, with your permission, ask your current clinicians for records.

Next you meet one of our prescribers. You will talk about your symptoms, past treatments, health and goals, and about the benefits and risks of treatment. If you decide to go ahead, you sign a consent form and we plan a course of treatment with you.

On a treatment day we check your blood pressure, heart rate and how you are feeling, and you fill in a short questionnaire. During treatment you rest in a quiet, comfortable chair while a nurse looks after you. Many people feel detached, dreamy or unusual for a while (this is called dissociation), and some feel sleepy or sick. These effects usually fade within an hour or two.

For an infusion, plan to be with us for about two hours. For esketamine, you stay with us for at least two hours after your dose, and until we are sure you are ready to leave.

During your course you will answer short questionnaires, so that you and your prescriber can see whether the treatment is helping."""),
    ("Safety", "safety", """\
Ketamine and esketamine are given only here in the clinic, by trained staff, with monitoring equipment at hand.

We check your blood pressure before your dose and again during and after treatment. Ketamine can raise blood pressure for a while; if yours is too high beforehand, we may delay treatment. We also watch your breathing and oxygen level.

Esketamine (Spravato) is only available through a safety programme required by the FDA, the Spravato REMS. Under it, a healthcare professional monitors you in the clinic for at least two hours after each dose, and until you are ready to leave.

Do not drive, cycle or operate machinery on a treatment day. Wait until the next day, after a restful night's sleep. Arrange for someone to take you home.

Ketamine can be misused. We store it securely and account for every dose, and we will talk with you about any past or current alcohol or drug use.

Tell us about every medicine you take, including sleeping tablets, benzodiazepines, stimulants, opioids and MAOIs, and about any change in your health between sessions.

This clinic is not an emergency service. If you are thinking about suicide or are in crisis, call or text 988 (Suicide & Crisis Lifeline, US) or call 911, or go to the nearest emergency department."""),
    ("Preparing for your session", "preparing-for-your-session", """\
Arrange a driver. You must not drive until the next day, after a restful night's sleep, so plan for someone to take you home.

Follow the fasting instructions we give you when you book. For esketamine the usual advice is no food for 2 hours and no drinks for 30 minutes before your dose, because some people feel sick. If you use a nasal steroid or decongestant spray, use it at least an hour before an esketamine dose.

Take your usual medicines unless your prescriber has told you otherwise. Bring a list of everything you take, and tell us if anything has changed.

Do not drink alcohol on a treatment day.

Wear comfortable clothes. You may like to bring headphones with calming music, or an eye mask.

If you feel unwell, have a new health problem, or have had high blood pressure readings, call us before your appointment."""),
]


class Command(BaseCommand):
    help = "Create the fictional demo clinic when the database has no organisation yet; print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--logins", action="store_true", help="only print the demo logins")

    def handle(self, *args, logins: bool = False, **options):
        if logins:
            self._print_logins()
            return
        if Organisation.objects.exists():
            self.stdout.write("demo data already present")
            return
        # The requesters' addresses are fictional: the "request received" mails
        # the inquiry action sends on commit must go nowhere.
        with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), transaction.atomic():
            summary = DemoClinic(random.Random(DEMO_SEED)).build()
        self.stdout.write(f"created the demo clinic: {summary}")
        self._print_logins()

    def _print_logins(self) -> None:
        rows = [(username, role.label, DEMO_PASSWORD, where) for username, role, *_, where in STAFF]
        rows.append((PATIENT_USERNAME, Role.PATIENT.label, DEMO_PASSWORD, "patient portal"))
        header = ("username", "role", "password", "where")
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        self.stdout.write("\nDemo logins")
        for row in [header, *rows]:
            self.stdout.write("  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip())
        self.stdout.write(
            "Prescribers and the clinic admin must set up two-factor sign-in unless KETACARE_DEMO_MODE=true."
        )


class DemoClinic:
    """Builds the demo organisation; every random choice is drawn from `rng` in a fixed order."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def build(self) -> str:
        self.organisation = Organisation.objects.create(
            name="Harbor Ketamine Clinic", slug="harbor", phone="(503) 555-0100",
            email="hello@harbor-clinic.example.com", website="https://harbor-clinic.example.com",
            crisis_text=CRISIS_TEXT, demo_seed=DEMO_SEED,
        )
        record_event(None, AuditAction.CREATE, self.organisation, organisation=self.organisation,
                     detail={"via": "ketacare seed-demo"})
        self.locations = self._locations()
        self.users = {username: self._user(username, role, first, last, title)
                      for username, role, first, last, title, _ in STAFF}
        patients = self._patients()
        inquiries = self._inquiries()
        self._scheduling_resources()
        self._controlled_substances()
        courses = self._courses()
        for position, (title, slug, body) in enumerate(PAGES, start=1):
            do_save_clinic_page(self.users["admin"], organisation=self.organisation,
                                title=title, slug=slug, body=body, position=position * 10)
        return (f"{len(self.locations)} locations, {Chair.objects.count()} chairs, {len(self.users) + 1} logins, "
                f"{len(patients)} patients, {len(inquiries)} consultation requests, {len(PAGES)} pages, "
                f"{courses} booked courses")

    def _locations(self) -> dict[str, Location]:
        locations = {}
        for name, spec in LOCATIONS.items():
            location = Location.objects.create(
                organisation=self.organisation, name=name, time_zone=spec["time_zone"],
                address=spec["address"], phone=spec["phone"],
            )
            Chair.objects.bulk_create(
                Chair(location=location, name=chair, supports_iv=iv, supports_esketamine=esketamine)
                for chair, iv, esketamine in spec["chairs"]
            )
            locations[name] = location
        return locations

    # Schedule, stock and courses ------------------------------------------------

    def _scheduling_resources(self) -> None:
        ensure_default_appointment_types(self.organisation)
        for location in self.locations.values():
            OpeningHours.objects.bulk_create(
                OpeningHours(location=location, weekday=day, opens_at=OPENING_HOURS[0], closes_at=OPENING_HOURS[1])
                for day in range(5)
            )
        for username, role, *_, location_name in STAFF:
            user = self.users[username]
            StaffSkill.objects.bulk_create(StaffSkill(user=user, skill=skill) for skill in STAFF_SKILLS.get(role, []))
            if role in STAFF_SKILLS:
                StaffShift.objects.bulk_create(
                    StaffShift(user=user, location=self.locations[location_name], weekday=day,
                               starts_at=SHIFT_HOURS[0], ends_at=SHIFT_HOURS[1])
                    for day in range(5)
                )

    def _controlled_substances(self) -> None:
        """Ketamine vials and esketamine kits in each location's cabinet; both locations REMS-certified."""
        admin, today = self.users["admin"], timezone.localdate()
        ketamine = ledger_actions.do_create_product(
            admin, drug="ketamine", name="Ketamine HCl 50 mg/mL, 10 mL vial", ndc="0409-2051-05", unit="ml",
            strength_mg_per_unit=Decimal("50"), units_per_container=Decimal("10"),
        )
        esketamine = ledger_actions.do_create_product(
            admin, drug="esketamine", name="Spravato 56 mg kit (2 × 28 mg devices)", ndc="50458-028-02",
            unit="device", strength_mg_per_unit=Decimal("28"), units_per_container=Decimal("2"),
        )
        for number, (name, location) in enumerate(self.locations.items(), start=1):
            nurse, _ = self._clinicians(name)
            ledger_actions.do_save_registration(
                admin, location_id=location.pk, registrant_name=self.organisation.name, dea_number=f"BH123456{number}",
            )
            for product in (ketamine, esketamine):
                ledger_actions.do_record_receipt(
                    nurse, location_id=location.pk, product_id=product.pk, lot=f"DEMO-{product.drug[:3].upper()}-{number}",
                    expiry_date=today + dt.timedelta(days=300), container_count=3, supplier_name="Demo Wholesale",
                    supplier_address="1 Main Street, Columbus, OH 43004", supplier_dea_number="RD1234563",
                    invoice_number=f"DEMO-{number}",
                )
            do_record_certification(
                admin, location_id=location.pk, certificate_id=f"HCS-DEMO-{number:04d}",
                certified_on=today - dt.timedelta(days=365), authorized_representative="Casey Brooks",
            )

    def _courses(self) -> int:
        """IV plans for some induction patients, started tomorrow and booked as whole courses;
        two patients in consultation wait on the waitlist."""
        template = ProtocolTemplate.objects.get(organisation=None, code="iv-racemic-ketamine")
        iv = AppointmentType.objects.get(organisation=self.organisation, kind=AppointmentKind.IV_INFUSION)
        desk = self.users["frontdesk"]
        patients = Patient.objects.filter(organisation=self.organisation).select_related("home_location").order_by("record_number")
        inducted = list(patients.filter(stage=CareStage.INDUCTION)[:BOOKED_COURSES])
        for patient in inducted:
            location = patient.home_location
            nurse, prescriber = self._clinicians(location.name)
            tomorrow = timezone.localdate(timezone=location.zone) + dt.timedelta(days=1)
            # A weight of today keeps the dose calculation within the protocol's 30-day limit.
            latest = patient.weights.order_by("-measured_on").first()
            do_record_weight(nurse, patient.pk, weight_kg=latest.weight_kg, measured_on=tomorrow - dt.timedelta(days=1))
            plan = do_create_plan_from_template(prescriber, patient.pk, template_id=template.pk, start_date=tomorrow)
            do_change_plan_status(prescriber, plan.pk, status="active", reason="Consent signed; induction starts")
            do_book_course(desk, plan.pk, appointment_type_id=iv.pk, location_ids=[location.pk], any_time=True)
        waiting = patients.filter(stage=CareStage.CONSULTATION)[:2]
        for patient in waiting:
            do_add_to_waitlist(
                desk, patient_id=patient.pk, appointment_type_id=iv.pk, location_ids=[patient.home_location_id],
                earliest_date=timezone.localdate() + dt.timedelta(days=7),
                availability=[{"days": ["mon", "wed", "fri"], "from": "08:00", "to": "13:00"}],
            )
        return len(inducted)

    def _user(self, username: str, role: Role, first: str, last: str, title: str = "", email: str = ""):
        user = get_user_model().objects.create_user(
            username=username, password=DEMO_PASSWORD, email=email or f"{username}@harbor-clinic.example.com",
            first_name=first, last_name=last, title=title, role=role.value, organisation=self.organisation,
        )
        record_event(None, AuditAction.CREATE, user, organisation=self.organisation,
                     detail={"via": "ketacare seed-demo", "role": user.role})
        return user

    def _clinicians(self, location_name: str):
        """Who records clinical entries at a location: (nurse, prescriber)."""
        if location_name == BOSTON:
            return self.users["nurse2"], self.users["prescriber2"]
        return self.users["nurse"], self.users["prescriber"]

    # Patients ---------------------------------------------------------------

    def _patients(self) -> list[Patient]:
        rng = self.rng
        stages = [stage for stage, count in STAGE_COUNTS.items() for _ in range(count)]
        stages.remove(PORTAL_PATIENT["stage"])
        rng.shuffle(stages)
        names = rng.sample([(first, last) for first in FIRST_NAMES for last in LAST_NAMES], PATIENT_COUNT - 1)
        people = [(PORTAL_PATIENT["first_name"], PORTAL_PATIENT["last_name"], PORTAL_PATIENT["stage"],
                   PORTAL_PATIENT["location"])]
        people += [(first, last, stage, rng.choice([PORTLAND, PORTLAND, BOSTON]))
                   for (first, last), stage in zip(names, stages)]
        patients = []
        for number, (first, last, stage, location_name) in enumerate(people, start=1):
            patient = self._register(number, first, last, location_name)
            self._set_stage(patient, stage, location_name)
            self._clinical_history(patient, stage, location_name, showcase=number == 1)
            patients.append(patient)
        self._link_portal_user(patients[0])
        return patients

    def _register(self, number: int, first: str, last: str, location_name: str) -> Patient:
        rng = self.rng
        spec = LOCATIONS[location_name]
        # 555-0100..0199 are the numbers reserved for fiction; 0100 is the clinic's own.
        phone = f"+1{spec['area_code']}5550{100 + number:03d}"
        fields = {
            "first_name": first, "last_name": last,
            "date_of_birth": REFERENCE_DATE - dt.timedelta(days=rng.randint(22 * 365, 72 * 365)),
            "sex_at_birth": rng.choice(["female", "male"]),
            "email": f"{first}.{last}{number}@example.com".lower(),
            "phone": phone,
            "address_line": f"{rng.randint(10, 999)} {rng.choice(STREETS)}",
            "city": spec["city"], "region": spec["region"],
            "postal_code": f"{spec['postal_prefix']}{rng.randint(1, 99):02d}",
            "home_location": self.locations[location_name],
        }
        if rng.random() < 0.7:
            fields.update(
                emergency_contact_name=f"{rng.choice(FIRST_NAMES)} {last}",
                emergency_contact_relationship=rng.choice(RELATIONSHIPS),
                emergency_contact_phone=f"+1{spec['area_code']}5550{150 + number:03d}",
            )
        return do_register_patient(self.users["frontdesk"], organisation=self.organisation, **fields)

    def _set_stage(self, patient: Patient, stage: str, location_name: str) -> None:
        # Seed data jumps straight to the stage; in the app the candidacy and
        # treatment steps move a patient along.
        if stage != patient.stage:
            _, prescriber = self._clinicians(location_name)
            do_change_patient_stage(prescriber, patient.pk, stage=stage)

    def _clinical_history(self, patient: Patient, stage: str, location_name: str, *, showcase: bool) -> None:
        """Diagnoses, medicines, allergies and weights; the showcase (portal) patient has some of each."""
        rng = self.rng
        nurse, prescriber = self._clinicians(location_name)
        # The patient's own calendar day: a weight taken "today" must not be in their future.
        today = timezone.localdate(timezone=self.locations[location_name].zone)
        if stage != CareStage.REGISTERED or rng.random() < 0.3:
            code, description = rng.choice(DEPRESSION_DIAGNOSES)
            do_add_diagnosis(prescriber, patient.pk, icd10_code=code, description=description)
            if rng.random() < 0.4:
                code, description = rng.choice(COMORBID_DIAGNOSES)
                do_add_diagnosis(prescriber, patient.pk, icd10_code=code, description=description)
        medication_count = 2 if showcase else rng.choice([0, 1, 1, 2, 2, 3])
        for name, dose, frequency in rng.sample(MEDICATIONS, medication_count):
            do_add_medication(nurse, patient.pk, name=name, dose=dose, frequency=frequency,
                              started_on=today - dt.timedelta(days=rng.randint(60, 900)))
        if showcase or rng.random() < 0.3:
            substance, reaction, severity = rng.choice(ALLERGIES)
            do_add_allergy(nurse, patient.pk, substance=substance, reaction=reaction, severity=severity)
        weight_kg = rng.uniform(52, 112)
        for weeks_ago in sorted(rng.sample(range(0, 16), 3 if showcase else rng.randint(1, 3)), reverse=True):
            weight_kg += rng.uniform(-1.5, 1.5)
            do_record_weight(nurse, patient.pk, weight_kg=Decimal(f"{weight_kg:.1f}"),
                             measured_on=today - dt.timedelta(weeks=weeks_ago))

    def _link_portal_user(self, patient: Patient) -> None:
        user = self._user(PATIENT_USERNAME, Role.PATIENT, patient.first_name, patient.last_name, email=patient.email)
        patient.user = user
        patient.save(update_fields=["user"])
        record_event(self.users["frontdesk"], AuditAction.UPDATE, patient, patient=patient,
                     detail={"portal_user": user.username, "via": "ketacare seed-demo"})

    # Consultation requests -------------------------------------------------------

    def _inquiries(self) -> list[Inquiry]:
        rng = self.rng
        statuses = [status for status, count in INQUIRY_STATUSES for _ in range(count)]
        inquiries = []
        now = timezone.now()
        for number, status in enumerate(statuses, start=1):
            location_name = rng.choice([PORTLAND, BOSTON])
            location = self.locations[location_name]
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            reasons = rng.sample([HelpReason.DEPRESSION, HelpReason.DEPRESSION, HelpReason.ANXIETY, HelpReason.PTSD,
                                  HelpReason.SUICIDAL_THOUGHTS], rng.randint(1, 2))
            declined = status == InquiryStatus.DECLINED
            submission = InquirySubmission(
                first_name=first, last_name=last,
                date_of_birth=REFERENCE_DATE - dt.timedelta(days=rng.randint(20 * 365, 68 * 365)),
                phone=f"+1{LOCATIONS[location_name]['area_code']}5550{190 + number % 10:03d}",
                email=f"{first}.{last}.request{number}@example.com".lower(),
                preferred_location_id=location.pk, windows=self._windows(location),
                reasons=() if declined else tuple(reasons),
                reason_other="Chronic back pain" if declined else "",
                current_treatment=rng.choice(CURRENT_TREATMENTS), heard_about=rng.choice(HEARD_ABOUT),
                consent_to_contact=True,
            )
            inquiry = do_submit_inquiry(None, organisation=self.organisation, submission=submission).inquiry
            if status != InquiryStatus.NEW:
                do_change_inquiry_status(self.users["frontdesk"], inquiry.pk, status=status, note=STATUS_NOTES[status])
            # New requests arrived in the last day or two, handled ones earlier, so the inbox reads naturally.
            hours_ago = rng.randint(1, 40) if status == InquiryStatus.NEW else rng.randint(48, 120)
            Inquiry.objects.filter(pk=inquiry.pk).update(submitted_at=now - dt.timedelta(hours=hours_ago))
            inquiries.append(inquiry)
        return inquiries

    def _windows(self, location: Location) -> tuple[WindowRequest, ...]:
        """One to three day/time ranges in the coming two weeks, as the requester types them (local time)."""
        local_today = timezone.localdate(timezone=location.zone)
        windows = []
        for days_ahead in sorted(self.rng.sample(range(1, 15), self.rng.randint(1, 3))):
            start_hour = self.rng.choice([9, 10, 13, 15])
            windows.append(WindowRequest(
                date=local_today + dt.timedelta(days=days_ahead),
                start_time=dt.time(start_hour), end_time=dt.time(start_hour + self.rng.choice([2, 3])),
            ))
        return tuple(windows)
