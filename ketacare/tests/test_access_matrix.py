"""Every page, for every persona, against the role matrix (accounts/domain/roles.py).

PAGES classifies every named URL of the site; a URL missing from it fails
test_every_page_is_classified, so a new page cannot ship unchecked. Each
protected page is then requested as: anonymous; each staff role of the
patient's organisation; each staff role of another organisation; a patient.
Allowed roles get through (200 for pages, anything but 403/404 for POST
actions), other roles get 403, anonymous users are sent to sign in, and staff
of another organisation get 404 for this organisation's objects.

The objects the pages name (a World) and each persona's session are built once for the module, in a
transaction rolled back at its end; every persona is checked against each page in turn, each request in
a savepoint that is rolled back, so what one persona's POST changes is gone before the next persona
asks; a failure names the page and every persona that got the wrong answer.
"""

import datetime as dt
import json
from dataclasses import dataclass, field
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from jwcrypto.jwk import JWK

from ketacare.accounts.domain.roles import Role
from ketacare.accounts.invitations import issue_invitation
from ketacare.accounts.models import InvitationPurpose, User
from ketacare.billing.actions import accounts as account_actions
from ketacare.billing.actions import charges as charge_actions
from ketacare.billing.actions import claims as claim_actions
from ketacare.billing.actions import insurance as insurance_actions
from ketacare.billing.actions import packages as package_actions
from ketacare.billing.models import ChargeRule
from ketacare.candidacy import actions as candidacy_actions
from ketacare.consents.domain.rules import Coverage
from ketacare.consents.selectors import template_for_coverage
from ketacare.consultations import actions as consultation_actions
from ketacare.consultations.actions import REQUIRED_TO_SIGN as CONSULTATION_NOTE_SIGNABLE
from ketacare.documents.actions import do_upload_document
from ketacare.fhir.backend.actions import do_register_backend_client
from ketacare.fhir.imports.runs import do_check_fhir_import
from ketacare.fhir.smart.actions import do_register_smart_app
from ketacare.inquiries.models import Inquiry
from ketacare.ledger import actions as ledger_actions
from ketacare.ledger.selectors import location_today
from ketacare.measures import actions as measures_actions
from ketacare.outbox.models import MailKind, MessageStatus, OutgoingMessage
from ketacare.patients import actions as patient_actions
from ketacare.patients.models import Allergy, Diagnosis, Medication
from ketacare.protocols import actions as protocols_actions
from ketacare.protocols.models import ProtocolSettings, ProtocolTemplate, TreatmentPlan
from ketacare.rems import actions as rems_actions
from ketacare.rems.models import MonitoringForm
from ketacare.reports.letters import actions as letter_actions
from ketacare.scheduling.actions.booking import do_book_appointment
from ketacare.scheduling.models import (
    Appointment,
    AppointmentKind,
    AppointmentType,
    ClosedDate,
    Course,
    StaffException,
    StaffShift,
    WaitlistEntry,
)
from ketacare.testing.billing import make_coverage, make_fee_schedule, make_package_offer, make_payer
from ketacare.testing.claims import insure, make_billing_settings, make_final_charge, make_provider_identity
from ketacare.testing.clinic import build_clinic
from ketacare.testing.consents import sign_consents_for_route
from ketacare.testing.personas import make_organisation, make_patient, make_portal_patient, make_staff, sign_in
from ketacare.testing.stock import make_products, receive
from ketacare.therapy import actions as therapy_actions
from ketacare.treatments.models import TreatmentSession

# One worker takes the module (`--dist loadgroup`, scripts/test.sh), so the world is built once a pass.
pytestmark = pytest.mark.xdist_group("access_matrix")

ALL_STAFF = {"front_desk", "nurse", "prescriber", "therapist", "clinic_admin"}
EVERY_STAFF = ALL_STAFF | {"billing"}  # the care team and billing (who sees no chart)
INQUIRY_VIEWERS = {"front_desk", "nurse", "prescriber", "clinic_admin"}
INQUIRY_TRIAGE = {"front_desk", "clinic_admin"}
CLINICAL_EDITORS = {"nurse", "prescriber"}
DEMOGRAPHIC_EDITORS = {"front_desk", "nurse", "prescriber", "clinic_admin"}
ADMIN = {"clinic_admin"}
MEASURE_RECORDERS = {"nurse", "prescriber", "therapist"}
ALERT_VIEWERS = {"nurse", "prescriber", "clinic_admin"}
WAITLIST = {"front_desk", "clinic_admin"}
SESSION_VIEWERS = {"nurse", "prescriber", "therapist", "clinic_admin"}
SESSION_CHARTERS = {"nurse", "prescriber"}
REMS_VIEWERS = {"nurse", "prescriber", "clinic_admin"}
REMS_MANAGERS = {"prescriber", "clinic_admin"}
REMS_FINALISERS = {"nurse", "prescriber"}
THERAPY_VIEWERS = {"nurse", "prescriber", "therapist"}
THERAPY_WRITERS = {"prescriber", "therapist"}
# A psychotherapy note's own readers: its author (the therapist) and the treating prescriber.
PSYCHOTHERAPY_READERS = {"prescriber", "therapist"}
LEDGER_VIEWERS = {"nurse", "prescriber", "clinic_admin"}
LEDGER_RECORDERS = {"nurse", "prescriber"}
LEDGER_REPORTERS = {"prescriber", "clinic_admin"}
# Consultation notes: clinicians who treat the patient read them, prescribers write them (roles.py says why).
CONSULTATION_VIEWERS = {"nurse", "prescriber", "therapist"}
LETTER_VIEWERS = {"nurse", "prescriber", "therapist", "clinic_admin"}
CONSENT_COLLECTORS = {"front_desk", "nurse", "prescriber", "clinic_admin"}
# Fee schedule and charges (issue 18): front desk reads them, billing and the clinic admin change them.
CHARGE_VIEWERS = {"billing", "clinic_admin", "front_desk"}
CHARGE_EDITORS = {"billing", "clinic_admin"}
FEE_SETUP = {"billing", "clinic_admin"}
# Accounts and packages (issue 18): front desk sells packages, takes payments and invoices; refunds, write-offs,
# adjustments, reversals and package offers stay with billing and the clinic admin.
MONEY_DESK = {"billing", "clinic_admin", "front_desk"}
MONEY_ADJUST = {"billing", "clinic_admin"}
# Insurance (issue 18): front desk keeps coverage, benefits and authorisations; payers are billing set-up.
INSURANCE_MANAGERS = {"billing", "clinic_admin", "front_desk"}
CLAIMS_MANAGERS = {"billing", "clinic_admin"}


@dataclass(frozen=True)
class Page:
    roles: frozenset = frozenset()  # who may; empty with public=True means anyone
    public: bool = False
    method: str = "get"
    kwargs: tuple = ()  # names of World attributes filling the URL's arguments
    owned: bool = field(default=False)  # belongs to the organisation: other orgs get 404


def staff(roles, **kw):
    return Page(roles=frozenset(roles), **kw)


PUBLIC = Page(public=True)
PATIENT = Page(roles=frozenset({"patient"}))
# Sign-in steps, sign-out and personal tokens are covered by accounts/tests; not role pages.
AUTH_FLOW = None

PAGES = {
    "home": PUBLIC,
    "accounts:login": PUBLIC,
    "accounts:logout": AUTH_FLOW,
    "accounts:verify": AUTH_FLOW,
    "accounts:two_factor_setup": AUTH_FLOW,
    "accounts:tokens": staff(EVERY_STAFF),
    "accounts:preferences": Page(roles=frozenset(EVERY_STAFF | {"patient"})),
    # Tokens are personal: only their owner revokes them (accounts/tests/test_api_tokens.py).
    "accounts:token_revoke": AUTH_FLOW,
    "accounts:me": Page(roles=frozenset(EVERY_STAFF | {"patient"})),
    "accounts:change_password": Page(roles=frozenset(EVERY_STAFF | {"patient"})),
    "accounts:replace_two_factor": Page(roles=frozenset(EVERY_STAFF | {"patient"}), method="post"),
    # Reached from mail without signing in; the link is the key (accounts/tests/test_account_pages.py,
    # test_password_reset.py): an unusable link is a plain page, never an error.
    "accounts:accept_invitation": Page(public=True, kwargs=(("secret", "invitation_secret"),)),
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_sent": PUBLIC,
    "accounts:password_reset_complete": PUBLIC,
    "accounts:password_reset_confirm": Page(public=True, kwargs=(("uidb64", "reset_uid"), ("token", "reset_token"))),
    "inquiry_public:form": Page(public=True, kwargs=(("org_slug", "org_slug"),)),
    "clinics:pages": Page(public=True, kwargs=(("org_slug", "org_slug"),)),
    "clinics:page": Page(public=True, kwargs=(("org_slug", "org_slug"), ("page_slug", "page_slug"))),
    "clinics:pages_manage": staff(ADMIN),
    "clinics:page_create": staff(ADMIN),
    "clinics:page_edit": staff(ADMIN, kwargs=(("pk", "clinic_page"),), owned=True),
    "clinics:settings": staff(ADMIN),
    "clinics:locations": staff(ADMIN),
    "clinics:location_create": staff(ADMIN),
    "clinics:location_detail": staff(ADMIN, kwargs=(("pk", "managed_location"),), owned=True),
    "clinics:location_edit": staff(ADMIN, kwargs=(("pk", "managed_location"),), owned=True),
    "clinics:location_archive": staff(ADMIN, method="post", kwargs=(("pk", "managed_location"),), owned=True),
    "clinics:location_reopen": staff(ADMIN, method="post", kwargs=(("pk", "managed_location"),), owned=True),
    "clinics:mail_problems": staff({"prescriber", "clinic_admin"}),
    "clinics:mail_retry": staff(
        {"prescriber", "clinic_admin"}, method="post", kwargs=(("message_id", "failed_mail"),), owned=True
    ),
    # SMART App Launch (issue 17): the configuration apps read first; the clinic's apps are clinic settings.
    "smart_configuration": PUBLIC,
    "openid_configuration": PUBLIC,
    "smart_apps:list": staff(ADMIN),
    "smart_apps:create": staff(ADMIN),
    "smart_apps:detail": staff(ADMIN, kwargs=(("pk", "smart_app"),), owned=True),
    "smart_apps:revoke_tokens": staff(ADMIN, method="post", kwargs=(("pk", "smart_app"),), owned=True),
    # FHIR Backend Services clients (bulk export): the clinic admin registers and disables them.
    "fhir_backend:clients": staff(ADMIN),
    "fhir_backend:disable": staff(ADMIN, method="post", kwargs=(("pk", "backend_client"),), owned=True),
    # FHIR import (issue 17): the clinic admin brings records from another system.
    "fhir_imports:upload": staff(ADMIN),
    "fhir_imports:run": staff(ADMIN, kwargs=(("run_id", "import_run"),), owned=True),
    "fhir_imports:confirm": staff(ADMIN, method="post", kwargs=(("run_id", "import_run"),), owned=True),
    "fhir_imports:discard": staff(ADMIN, method="post", kwargs=(("run_id", "import_run"),), owned=True),
    "staff:list": staff(ADMIN),
    "staff:invite": staff(ADMIN),
    "staff:detail": staff(ADMIN, kwargs=(("pk", "staff_member"),), owned=True),
    **{
        f"staff:{button}": staff(ADMIN, method="post", kwargs=(("pk", "staff_member"),), owned=True)
        for button in ("change", "deactivate", "reactivate", "unlock", "reset_two_factor", "resend_invitation")
    },
    "inquiries:inbox": staff(INQUIRY_VIEWERS),
    "inquiries:detail": staff(INQUIRY_VIEWERS, kwargs=(("pk", "inquiry"),), owned=True),
    "inquiries:status": staff(INQUIRY_TRIAGE, method="post", kwargs=(("pk", "inquiry"),), owned=True),
    "inquiries:convert": staff(INQUIRY_TRIAGE, method="post", kwargs=(("pk", "inquiry"),), owned=True),
    "patients:list": staff(EVERY_STAFF),
    "patients:create": staff({"front_desk", "clinic_admin"}),
    "patients:picker": staff(EVERY_STAFF),
    "patients:detail": staff(ALL_STAFF, kwargs=(("pk", "patient"),), owned=True),
    "patients:edit": staff(DEMOGRAPHIC_EDITORS, kwargs=(("pk", "patient"),), owned=True),
    "patients:export": staff({"prescriber", "clinic_admin"}, kwargs=(("pk", "patient"),), owned=True),
    "patients:merge": staff(ADMIN, kwargs=(("pk", "patient"),), owned=True),
    "patients:unmerge": staff(ADMIN, kwargs=(("pk", "merged_patient"),), owned=True),
    "patients:diagnosis_add": staff(CLINICAL_EDITORS, method="post", kwargs=(("pk", "patient"),), owned=True),
    "patients:diagnosis_status": staff(
        CLINICAL_EDITORS, method="post", kwargs=(("pk", "patient"), ("entry_id", "diagnosis")), owned=True
    ),
    "patients:allergy_add": staff(CLINICAL_EDITORS, method="post", kwargs=(("pk", "patient"),), owned=True),
    "patients:allergy_status": staff(
        CLINICAL_EDITORS, method="post", kwargs=(("pk", "patient"), ("entry_id", "allergy")), owned=True
    ),
    "patients:medication_add": staff(CLINICAL_EDITORS, method="post", kwargs=(("pk", "patient"),), owned=True),
    "patients:medication_status": staff(
        CLINICAL_EDITORS, method="post", kwargs=(("pk", "patient"), ("entry_id", "medication")), owned=True
    ),
    "patients:weight_add": staff(CLINICAL_EDITORS, method="post", kwargs=(("pk", "patient"),), owned=True),
    "reports:audit_list": staff(ADMIN),
    "reports:audit_verify": staff(ADMIN),
    "patient_access:history": staff(ADMIN, kwargs=(("patient_id", "patient"),), owned=True),
    "patient_access:disclosures": staff(ADMIN, kwargs=(("patient_id", "patient"),), owned=True),
    "portal:home": Page(roles=frozenset({"patient"})),
    "documents:patient": staff(ALL_STAFF, kwargs=(("patient_id", "patient"),), owned=True),
    "documents:upload": staff(DEMOGRAPHIC_EDITORS, method="post", kwargs=(("patient_id", "patient"),), owned=True),
    "documents:entered_in_error": staff(
        DEMOGRAPHIC_EDITORS, method="post", kwargs=(("patient_id", "patient"), ("document_id", "document")), owned=True
    ),
    "documents:download": staff(ALL_STAFF, kwargs=(("document_id", "document"),), owned=True),
    "documents_portal:list": PATIENT,
    "documents_portal:upload": Page(roles=frozenset({"patient"}), method="post"),
    "documents_portal:download": Page(roles=frozenset({"patient"}), kwargs=(("document_id", "document"),)),
    # A patient's portal-account buttons (the panel is on the chart, patients:detail); the activation and
    # self-registration links: the link is the key (portal/tests/test_accounts.py, test_self_registration.py).
    **{
        f"portal_accounts:{button}": staff(
            {"front_desk", "clinic_admin"}, method="post", kwargs=(("patient_id", "patient"),), owned=True
        )
        for button in ("invite", "deactivate", "reactivate")
    },
    "portal_accounts:activate": AUTH_FLOW,
    "portal_accounts:self_register": AUTH_FLOW,
    "measures:patient": staff(ALL_STAFF, kwargs=(("patient_id", "patient"),), owned=True),
    "measures:assign": staff(ALL_STAFF, method="post", kwargs=(("patient_id", "patient"),), owned=True),
    "measures:enter": staff(
        MEASURE_RECORDERS, kwargs=(("patient_id", "patient"), ("instrument", "clinician_instrument")), owned=True
    ),
    "measures:amend": staff(MEASURE_RECORDERS, kwargs=(("response_id", "response"),), owned=True),
    "measures:cancel": staff(ALL_STAFF, method="post", kwargs=(("assignment_id", "assignment"),), owned=True),
    "measures:alerts": staff(ALERT_VIEWERS),
    "measures:acknowledge": staff({"nurse", "prescriber"}, method="post", kwargs=(("alert_id", "alert"),), owned=True),
    "measures:settings": staff(ADMIN),
    "measures:tablet": staff(ALL_STAFF, kwargs=(("assignment_id", "assignment"),), owned=True),
    "measures:tablet_save": staff(ALL_STAFF, method="post", kwargs=(("assignment_id", "assignment"),), owned=True),
    "measures:tablet_submit": staff(ALL_STAFF, method="post", kwargs=(("assignment_id", "assignment"),), owned=True),
    "measures:kiosk_start": staff(ALL_STAFF, method="post", kwargs=(("assignment_id", "assignment"),), owned=True),
    # Kiosk pages name no object: the questionnaire comes from the staff member's own session.
    "measures:kiosk": staff(ALL_STAFF),
    "measures:kiosk_save": staff(ALL_STAFF, method="post"),
    "measures:kiosk_submit": staff(ALL_STAFF, method="post"),
    "measures:kiosk_exit": staff(ALL_STAFF, method="post"),
    "measures:portal": Page(roles=frozenset({"patient"})),
    "measures:portal_answer": Page(roles=frozenset({"patient"}), kwargs=(("assignment_id", "assignment"),)),
    "measures:portal_answer_save": Page(
        roles=frozenset({"patient"}), method="post", kwargs=(("assignment_id", "assignment"),)
    ),
    "measures:portal_answer_submit": Page(
        roles=frozenset({"patient"}), method="post", kwargs=(("assignment_id", "assignment"),)
    ),
    "protocols:template_list": staff(ALL_STAFF),
    "protocols:settings": staff(ADMIN),
    "protocols:template_detail": staff(ALL_STAFF, kwargs=(("pk", "template"),)),
    "protocols:plan_list": staff(ALL_STAFF, kwargs=(("patient_id", "patient"),), owned=True),
    "protocols:plan_detail": staff(ALL_STAFF, kwargs=(("pk", "plan"),), owned=True),
    "protocols:plan_status": staff({"prescriber"}, method="post", kwargs=(("pk", "plan"),), owned=True),
    "protocols:adjunct_add": staff({"prescriber"}, method="post", kwargs=(("pk", "plan"),), owned=True),
    "protocols:dose_change": staff({"prescriber"}, method="post", kwargs=(("pk", "plan"),), owned=True),
    "protocols:dose_override": staff({"prescriber"}, method="post", kwargs=(("pk", "plan"),), owned=True),
    "candidacy:detail": staff(ALL_STAFF, kwargs=(("patient_id", "patient"),), owned=True),
    "candidacy:decide": staff({"prescriber"}, method="post", kwargs=(("patient_id", "patient"),), owned=True),
    "candidacy:intake": staff(CLINICAL_EDITORS, kwargs=(("patient_id", "patient"),), owned=True),
    "candidacy:intake_confirm": staff(CLINICAL_EDITORS, method="post", kwargs=(("patient_id", "patient"),), owned=True),
    "candidacy:trial_add": staff(CLINICAL_EDITORS, method="post", kwargs=(("patient_id", "patient"),), owned=True),
    "candidacy:trial_remove": staff(
        CLINICAL_EDITORS, method="post", kwargs=(("patient_id", "patient"), ("trial_id", "trial")), owned=True
    ),
    "candidacy:portal_intake": Page(roles=frozenset({"patient"})),
    "candidacy:policy": staff(ADMIN),
    "reports:trend": staff(
        ALL_STAFF, kwargs=(("patient_id", "patient"), ("instrument", "clinician_instrument")), owned=True
    ),
    "reports:dashboard": staff({"prescriber", "clinic_admin"}),
    "reports:portal_trend": Page(roles=frozenset({"patient"}), kwargs=(("instrument", "patient_instrument"),)),
    "protocols:maintenance": staff(ALL_STAFF, kwargs=(("pk", "plan"),), owned=True),
    "protocols:maintenance_decide": staff({"prescriber"}, method="post", kwargs=(("pk", "plan"),), owned=True),
    # One-time questionnaire links: the token is the key (measures/tests/test_pages.py).
    "measures:link": AUTH_FLOW,
    "measures:link_save": AUTH_FLOW,
    "measures:link_submit": AUTH_FLOW,
    "scheduling:calendar": staff(ALL_STAFF),
    "scheduling:location_calendar": staff(ALL_STAFF, kwargs=(("pk", "sched_location"),), owned=True),
    "scheduling:staff_calendar": staff(ALL_STAFF, kwargs=(("pk", "sched_staff"),), owned=True),
    "scheduling:book": staff(ALL_STAFF),
    "scheduling:book_slots": staff(ALL_STAFF),
    "scheduling:appointment_detail": staff(ALL_STAFF, kwargs=(("pk", "sched_appointment"),), owned=True),
    "scheduling:appointment_move": staff(ALL_STAFF, method="post", kwargs=(("pk", "sched_appointment"),), owned=True),
    "scheduling:appointment_cancel": staff(ALL_STAFF, method="post", kwargs=(("pk", "sched_appointment"),), owned=True),
    "scheduling:appointment_nurse": staff(ALL_STAFF, method="post", kwargs=(("pk", "sched_appointment"),), owned=True),
    "scheduling:appointment_check_in": staff(
        ALL_STAFF, method="post", kwargs=(("pk", "sched_appointment"),), owned=True
    ),
    "scheduling:resources": staff(ADMIN),
    "scheduling:location_resources": staff(ADMIN, kwargs=(("pk", "sched_location"),), owned=True),
    "scheduling:opening_hours_set": staff(ADMIN, method="post", kwargs=(("pk", "sched_location"),), owned=True),
    "scheduling:closed_date_add": staff(ADMIN, method="post", kwargs=(("pk", "sched_location"),), owned=True),
    "scheduling:closed_date_remove": staff(ADMIN, method="post", kwargs=(("pk", "sched_closed_date"),), owned=True),
    "scheduling:chair_add": staff(ADMIN, method="post", kwargs=(("pk", "sched_location"),), owned=True),
    "scheduling:chair_edit": staff(ADMIN, kwargs=(("pk", "sched_chair"),), owned=True),
    "scheduling:staff_resources": staff(ADMIN, kwargs=(("pk", "sched_staff"),), owned=True),
    "scheduling:staff_skills": staff(ADMIN, method="post", kwargs=(("pk", "sched_staff"),), owned=True),
    "scheduling:shift_add": staff(ADMIN, method="post", kwargs=(("pk", "sched_staff"),), owned=True),
    "scheduling:shift_remove": staff(ADMIN, method="post", kwargs=(("pk", "sched_shift"),), owned=True),
    "scheduling:exception_add": staff(ADMIN, method="post", kwargs=(("pk", "sched_staff"),), owned=True),
    "scheduling:exception_remove": staff(ADMIN, method="post", kwargs=(("pk", "sched_exception"),), owned=True),
    "scheduling:type_list": staff(ADMIN),
    "scheduling:type_defaults": staff(ADMIN, method="post"),
    "scheduling:type_edit": staff(ADMIN, kwargs=(("pk", "sched_type"),), owned=True),
    "scheduling:settings": staff(ADMIN),
    # Calendar feed URLs: the token is the key (scheduling/tests/test_feeds.py).
    "scheduling:feed_ics": AUTH_FLOW,
    "scheduling:staff_calendar_feed": staff(ALL_STAFF),
    "scheduling:portal_calendar_feed": PATIENT,
    "scheduling:portal_schedule": PATIENT,
    "scheduling:patient_attendance": staff(ALL_STAFF, kwargs=(("patient_id", "patient"),), owned=True),
    "scheduling:mark_no_show": staff(
        ALL_STAFF, method="post", kwargs=(("appointment_id", "past_appointment"),), owned=True
    ),
    "scheduling:patient_courses": staff(ALL_STAFF, kwargs=(("patient_id", "patient"),), owned=True),
    "scheduling:course_book": staff(ALL_STAFF, kwargs=(("plan_id", "plan"),), owned=True),
    "scheduling:course_detail": staff(ALL_STAFF, kwargs=(("pk", "course"),), owned=True),
    "scheduling:course_session_move": staff(
        ALL_STAFF, method="post", kwargs=(("pk", "course"), ("appointment_id", "course_appointment")), owned=True
    ),
    "scheduling:course_cancel_rest": staff(ALL_STAFF, method="post", kwargs=(("pk", "course"),), owned=True),
    "scheduling:waitlist": staff(WAITLIST),
    "scheduling:waitlist_add": staff(WAITLIST, method="post"),
    "scheduling:waitlist_withdraw": staff(WAITLIST, method="post", kwargs=(("pk", "waitlist_entry"),), owned=True),
    "scheduling:waitlist_schedule": staff(WAITLIST, method="post"),
    "treatments:day": staff(SESSION_VIEWERS),
    "treatments:settings": staff(ADMIN),
    "treatments:start": staff(
        SESSION_CHARTERS, method="post", kwargs=(("appointment_id", "session_appointment"),), owned=True
    ),
    "treatments:session": staff(SESSION_VIEWERS, kwargs=(("pk", "treatment_session"),), owned=True),
    "treatments:prompts": staff(SESSION_VIEWERS, kwargs=(("pk", "treatment_session"),), owned=True),
    "treatments:step": staff(
        SESSION_CHARTERS, method="post", kwargs=(("pk", "treatment_session"), ("name", "session_step")), owned=True
    ),
    "treatments:record_pdf": staff(SESSION_VIEWERS, kwargs=(("pk", "treatment_session"),), owned=True),
    "treatments:patient_vitals": staff(SESSION_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    "rems:dashboard": staff(REMS_VIEWERS),
    "rems:certifications": staff(REMS_VIEWERS),
    "rems:certification_withdraw": staff(
        REMS_MANAGERS, method="post", kwargs=(("pk", "rems_certification"),), owned=True
    ),
    "rems:patient": staff(REMS_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    "rems:enrollment_withdraw": staff(REMS_MANAGERS, method="post", kwargs=(("patient_id", "patient"),), owned=True),
    "rems:form_from_session": staff(
        REMS_FINALISERS, method="post", kwargs=(("session_id", "treatment_session"),), owned=True
    ),
    "rems:form_detail": staff(REMS_VIEWERS, kwargs=(("pk", "rems_form"),), owned=True),
    "rems:form_finalise": staff(REMS_FINALISERS, method="post", kwargs=(("pk", "rems_form"),), owned=True),
    "rems:form_refill": staff(REMS_FINALISERS, method="post", kwargs=(("pk", "rems_form"),), owned=True),
    "rems:form_submitted": staff(REMS_FINALISERS, method="post", kwargs=(("pk", "rems_form"),), owned=True),
    "rems:form_pdf": staff(REMS_VIEWERS, kwargs=(("pk", "rems_form"),), owned=True),
    "therapy:patient_notes": staff(THERAPY_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    "therapy:note_detail": staff(THERAPY_VIEWERS, kwargs=(("pk", "therapy_note"),), owned=True),
    "therapy:note_sign": staff(THERAPY_WRITERS, method="post", kwargs=(("pk", "therapy_note"),), owned=True),
    "therapy:note_addendum": staff(THERAPY_WRITERS, method="post", kwargs=(("pk", "therapy_note"),), owned=True),
    "therapy:psychotherapy_list": staff(THERAPY_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    # Per note, narrower than the role matrix (staff of another organisation get 404 whatever their
    # role): therapy/tests/test_psychotherapy_notes.py covers every persona.
    "therapy:psychotherapy_detail": None,
    "therapy:psychotherapy_sign": staff(
        PSYCHOTHERAPY_READERS, method="post", kwargs=(("pk", "psychotherapy_note"),), owned=True
    ),
    "therapy:psychotherapy_addendum": staff(
        PSYCHOTHERAPY_READERS, method="post", kwargs=(("pk", "psychotherapy_note"),), owned=True
    ),
    "reports:progress_summary": staff(ALL_STAFF - {"front_desk"}, kwargs=(("patient_id", "patient"),), owned=True),
    "ledger:index": staff(LEDGER_VIEWERS),
    "ledger:settings": staff(LEDGER_REPORTERS),
    "ledger:theft_loss": staff(LEDGER_VIEWERS),
    "ledger:location": staff(LEDGER_VIEWERS, kwargs=(("pk", "ledger_location"),), owned=True),
    "ledger:receive": staff(LEDGER_RECORDERS, kwargs=(("pk", "ledger_location"),), owned=True),
    "ledger:export": staff(LEDGER_REPORTERS, kwargs=(("pk", "ledger_location"),), owned=True),
    "ledger:theft_loss_new": staff(LEDGER_RECORDERS, kwargs=(("pk", "ledger_location"),), owned=True),
    "ledger:vial": staff(LEDGER_VIEWERS, kwargs=(("pk", "vial"),), owned=True),
    "ledger:vial_waste": staff(LEDGER_RECORDERS, method="post", kwargs=(("pk", "vial"),), owned=True),
    "ledger:vial_count": staff(LEDGER_RECORDERS, method="post", kwargs=(("pk", "vial"),), owned=True),
    "ledger:vial_transfer": staff(LEDGER_RECORDERS, method="post", kwargs=(("pk", "vial"),), owned=True),
    "ledger:vial_disposal": staff(LEDGER_RECORDERS, method="post", kwargs=(("pk", "vial"),), owned=True),
    "ledger:resolve": staff({"prescriber"}, kwargs=(("entry_pk", "ledger_count"),), owned=True),
    "ledger:theft_loss_detail": staff(LEDGER_VIEWERS, kwargs=(("pk", "theft_loss_report"),), owned=True),
    "consultations:patient_notes": staff(CONSULTATION_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    "consultations:note_new": staff({"prescriber"}, kwargs=(("patient_id", "patient"),), owned=True),
    "consultations:note_detail": staff(CONSULTATION_VIEWERS, kwargs=(("pk", "consultation_note"),), owned=True),
    "consultations:note_sign": staff({"prescriber"}, method="post", kwargs=(("pk", "consultation_note"),), owned=True),
    "consultations:note_addendum": staff(
        {"prescriber"}, method="post", kwargs=(("pk", "consultation_note"),), owned=True
    ),
    "consultations:note_pdf": staff(CONSULTATION_VIEWERS, kwargs=(("pk", "consultation_note"),), owned=True),
    "reports:letter_list": staff(LETTER_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    "reports:letter_detail": staff(LETTER_VIEWERS, kwargs=(("pk", "referral_letter"),), owned=True),
    "reports:letter_sign": staff({"prescriber"}, method="post", kwargs=(("pk", "referral_letter"),), owned=True),
    "reports:letter_pdf": staff(LETTER_VIEWERS, kwargs=(("pk", "referral_letter"),), owned=True),
    "reports:letter_settings": staff(ADMIN),
    "consents:patient": staff(ALL_STAFF, kwargs=(("patient_id", "patient"),), owned=True),
    "consents:tablet_start": staff(
        CONSENT_COLLECTORS,
        method="post",
        kwargs=(("patient_id", "patient"), ("template_id", "consent_template")),
        owned=True,
    ),
    "consents:kiosk": staff(CONSENT_COLLECTORS),
    "consents:pdf": staff(ALL_STAFF, kwargs=(("consent_id", "signed_consent"),), owned=True),
    "consents:revoke": staff(CONSENT_COLLECTORS, method="post", kwargs=(("consent_id", "signed_consent"),), owned=True),
    "consents:templates": staff(ALL_STAFF),
    # A built-in text: every organisation's staff may read it.
    "consents:template": staff(ALL_STAFF, kwargs=(("template_id", "consent_template"),)),
    "consents:template_retire": staff(ADMIN, method="post", kwargs=(("template_id", "consent_template"),)),
    "consents:portal_list": PATIENT,
    "consents:portal_sign": Page(roles=frozenset({"patient"}), kwargs=(("template_id", "consent_template"),)),
    "consents:portal_pdf": Page(roles=frozenset({"patient"}), kwargs=(("consent_id", "signed_consent"),)),
    "consents:portal_revoke": Page(
        roles=frozenset({"patient"}), method="post", kwargs=(("consent_id", "signed_consent"),)
    ),
    "billing:fee_schedule": staff(CHARGE_VIEWERS),
    "billing:fee_item": staff(FEE_SETUP, kwargs=(("item_id", "fee_item"),), owned=True),
    "billing:fee_item_retire": staff(FEE_SETUP, method="post", kwargs=(("item_id", "fee_item"),), owned=True),
    "billing:charge_rules": staff(CHARGE_VIEWERS),
    "billing:charge_rule_retire": staff(FEE_SETUP, method="post", kwargs=(("rule_id", "charge_rule"),), owned=True),
    "billing:billing_settings": staff(FEE_SETUP),
    "billing:providers": staff(CHARGE_VIEWERS),
    "billing:provider": staff(FEE_SETUP, kwargs=(("user_id", "rendering_provider"),), owned=True),
    "billing:charges": staff(CHARGE_VIEWERS),
    "billing:charges_finalise": staff(CHARGE_EDITORS, method="post"),
    "billing:charge_new": staff(CHARGE_EDITORS),
    "billing:charge": staff(CHARGE_VIEWERS, kwargs=(("charge_id", "charge"),), owned=True),
    "billing:charge_finalise": staff(CHARGE_EDITORS, method="post", kwargs=(("charge_id", "charge"),), owned=True),
    "billing:charge_void": staff(CHARGE_EDITORS, method="post", kwargs=(("charge_id", "charge"),), owned=True),
    "billing:accounts": staff(MONEY_DESK),
    "billing:payments_report": staff(MONEY_DESK),
    **{
        f"billing:{name}": staff(roles, kwargs=(("patient_id", "patient"),), owned=True)
        for name, roles in (
            ("account", MONEY_DESK),
            ("account_payment", MONEY_DESK),
            ("account_sell_package", MONEY_DESK),
            ("account_invoice", MONEY_DESK),
            ("account_statement_pdf", MONEY_DESK),
            ("account_correction", MONEY_ADJUST),
        )
    },
    "billing:account_entry_reverse": staff(MONEY_ADJUST, kwargs=(("entry_id", "account_payment"),), owned=True),
    "billing:account_receipt_pdf": staff(MONEY_DESK, kwargs=(("entry_id", "account_payment"),), owned=True),
    "billing:account_invoice_pdf": staff(MONEY_DESK, kwargs=(("invoice_id", "account_invoice"),), owned=True),
    "billing:package_offers": staff(MONEY_ADJUST),
    "billing:package_offer_retire": staff(
        MONEY_ADJUST, method="post", kwargs=(("offer_id", "package_offer"),), owned=True
    ),
    "billing:package_refund_unused": staff(MONEY_ADJUST, kwargs=(("sale_id", "package_sale"),), owned=True),
    "billing:insurance_payers": staff(CHARGE_VIEWERS),
    "billing:insurance_payer_new": staff(FEE_SETUP),
    "billing:insurance_payer_edit": staff(FEE_SETUP, kwargs=(("pk", "payer"),), owned=True),
    "billing:insurance_authorizations": staff(CHARGE_VIEWERS),
    "billing:insurance_patient": staff(CHARGE_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    "billing:insurance_coverage_new": staff(INSURANCE_MANAGERS, kwargs=(("patient_id", "patient"),), owned=True),
    "billing:insurance_coverage_end": staff(
        INSURANCE_MANAGERS, method="post", kwargs=(("pk", "coverage"),), owned=True
    ),
    "billing:insurance_benefits_new": staff(INSURANCE_MANAGERS, kwargs=(("coverage_id", "coverage"),), owned=True),
    "billing:insurance_authorization_new": staff(INSURANCE_MANAGERS, kwargs=(("coverage_id", "coverage"),), owned=True),
    "billing:insurance_authorization_edit": staff(
        INSURANCE_MANAGERS, kwargs=(("pk", "prior_authorization"),), owned=True
    ),
    # Seen by the care team that sees sessions and by billing; recorded by nurses, prescribers and insurance staff
    # (billing/tests/test_insurance_pages.py).
    "billing:insurance_acquisition": staff(EVERY_STAFF, kwargs=(("session_id", "treatment_session"),), owned=True),
    # Claims (issue 18.7): billing and the clinic admin; the superbill also the front desk, who hands it out.
    "billing:claims": staff(CLAIMS_MANAGERS),
    "billing:claims_build": staff(CLAIMS_MANAGERS, method="post"),
    "billing:claims_export": staff(CLAIMS_MANAGERS),
    "billing:claims_export_file": staff(CLAIMS_MANAGERS, kwargs=(("export_id", "claim_export"),), owned=True),
    "billing:claims_patient": staff(CHARGE_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    "billing:superbill": staff(CHARGE_VIEWERS, kwargs=(("patient_id", "patient"),), owned=True),
    "billing:claim": staff(CLAIMS_MANAGERS, kwargs=(("claim_id", "claim"),), owned=True),
    "billing:claim_cms1500": staff(CLAIMS_MANAGERS, kwargs=(("claim_id", "claim"),), owned=True),
    "billing:claim_secondary": staff(CLAIMS_MANAGERS, method="post", kwargs=(("claim_id", "claim"),), owned=True),
    "billing:claim_payer_number": staff(CLAIMS_MANAGERS, method="post", kwargs=(("claim_id", "claim"),), owned=True),
    "billing:claim_correct": staff(CLAIMS_MANAGERS, method="post", kwargs=(("claim_id", "claim"),), owned=True),
    "billing:claim_void": staff(CLAIMS_MANAGERS, method="post", kwargs=(("claim_id", "claim"),), owned=True),
    "billing:claim_withdraw": staff(CLAIMS_MANAGERS, method="post", kwargs=(("claim_id", "claim"),), owned=True),
    "billing_portal:home": PATIENT,
    "billing_portal:statement_pdf": PATIENT,
    "billing_portal:invoice_pdf": Page(roles=frozenset({"patient"}), kwargs=(("invoice_id", "account_invoice"),)),
    "billing_portal:receipt_pdf": Page(roles=frozenset({"patient"}), kwargs=(("entry_id", "account_payment"),)),
}


def named_urls(patterns=None, namespace=""):
    for entry in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace in ("api", "fhir"):
                continue  # the API and FHIR (ketacare/fhir/tests/test_access.py) have their own matrix tests
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from named_urls(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_page_is_classified():
    assert sorted(set(named_urls()) - set(PAGES)) == []


class World:
    """One organisation's objects that the pages are asked about."""

    def __init__(self, org, staff_users, patient):
        nurse = staff_users["nurse"]
        self.org_slug = org.slug
        page = org.pages.create(slug="safety", title="Safety", body="Blood pressure is checked.")
        self.page_slug = page.slug
        self.clinic_page = page.pk
        self.managed_location = org.locations.get(name=f"{org.name} Boston").pk
        invitee = User.objects.create(username="invitee@example.org", organisation=org, role="nurse", is_active=False)
        self.invitation_secret = issue_invitation(invitee, purpose=InvitationPurpose.STAFF, created_by=None)
        # A reset link that does not check out: its page says so (a valid one redirects to the form).
        self.reset_uid, self.reset_token = "MQ", "expired-token"
        self.patient = patient.pk
        self.inquiry = Inquiry.objects.create(
            organisation=org,
            first_name="Ina",
            last_name="Query",
            date_of_birth="1990-01-01",
            email="ina@example.org",
            consent_to_contact=True,
        ).pk
        self.diagnosis = Diagnosis.objects.create(
            patient=patient, icd10_code="F33.2", description="MDD", recorded_by=nurse
        ).pk
        self.allergy = Allergy.objects.create(patient=patient, substance="Latex", recorded_by=nurse).pk
        self.medication = Medication.objects.create(patient=patient, name="Sertraline", recorded_by=nurse).pk
        self.clinician_instrument = "madrs"
        self.patient_instrument = "phq9"
        assignment = measures_actions.do_assign_questionnaire(
            nurse, patient, "phq9", timezone.now() + dt.timedelta(days=1)
        ).assignment
        self.assignment = assignment.pk
        # A PHQ-9 with item 9 above 0: a submitted response and an open safety alert.
        response = measures_actions.do_enter_response(
            staff_users["prescriber"], patient, "phq9", dict(enumerate([1] * 9, 1))
        )
        self.response = response.pk
        self.alert = response.alerts.get().pk
        # Safety alert mail that failed for good: on the "Email problems" page, with "retry now".
        self.failed_mail = OutgoingMessage.objects.create(
            organisation=org,
            kind=MailKind.SAFETY_ALERT,
            to="p@example.org",
            subject="s",
            body="b",
            status=MessageStatus.FAILED,
            attempts=8,
            last_error="SMTPServerDisconnected",
        ).pk
        intake = candidacy_actions.do_save_intake(nurse, patient.pk, psychosis="none")
        self.trial = intake.trials.create(
            drug="sertraline", daily_dose_mg=50, start_date="2026-01-01", adherence="good", percent_improvement=10
        ).pk
        self.template = ProtocolTemplate.objects.get(organisation=None, code="iv-racemic-ketamine").pk
        # The intake above is incomplete (no candidacy decision): the clinic lets its prescribers override a
        # plan's missing prerequisites, with a reason (issue 14.2).
        ProtocolSettings.objects.create(organisation=org, prescriber_may_override_plan_prerequisites=True)
        self.plan = protocols_actions.do_create_plan_from_template(
            staff_users["prescriber"],
            patient.pk,
            template_id=self.template,
            start_date=patient.today(),
            override_reason="No candidacy decision in this world",
        ).pk
        self.staff_member = nurse.pk  # the staff pages' staff member
        self._context = (org, staff_users, patient)

    # The later areas, each built by its method (the first time one of its objects is asked for: an area
    # that needs another area's object gets that area built first).
    _BUILT_BY = {
        **dict.fromkeys(
            (
                "sched_location",
                "sched_chair",
                "sched_type",
                "sched_staff",
                "sched_closed_date",
                "sched_shift",
                "sched_exception",
                "sched_appointment",
                "course",
                "course_appointment",
                "waitlist_entry",
                "past_appointment",
            ),
            "_scheduling",
        ),
        **dict.fromkeys(("ledger_location", "vial", "ledger_count", "theft_loss_report"), "_ledger"),
        **dict.fromkeys(("session_appointment", "treatment_session", "session_step"), "_session"),
        **dict.fromkeys(("rems_certification", "rems_form", "therapy_note", "psychotherapy_note"), "_rems_and_therapy"),
        "merged_patient": "_merged_patient",
        "document": "_document",
        **dict.fromkeys(("consultation_note", "referral_letter"), "_consultation_and_letter"),
        **dict.fromkeys(("consent_template", "signed_consent"), "_consents"),
        **dict.fromkeys(("fee_item", "charge_rule", "charge", "rendering_provider"), "_fees_and_charges"),
        **dict.fromkeys(("account_payment", "account_invoice", "package_offer", "package_sale"), "_account"),
        **dict.fromkeys(("payer", "coverage", "prior_authorization"), "_insurance"),
        **dict.fromkeys(("claim", "claim_export"), "_claims"),
        "smart_app": "_smart_app",
        "backend_client": "_backend_client",
        "import_run": "_import_run",
    }

    def _import_run(self, org, staff_users, patient):
        upload = SimpleUploadedFile(
            "arrivals.ndjson",
            b'{"resourceType": "Patient", "id": "1", "name": '
            b'[{"family": "Rivera", "given": ["Ana"]}], "birthDate": "1984-02-03"}\n',
        )
        self.import_run = do_check_fhir_import(staff_users["clinic_admin"], upload=upload, source_name="old-ehr").pk

    def _backend_client(self, org, staff_users, patient):
        jwks = json.dumps({"keys": [JWK.generate(kty="EC", crv="P-384").export_public(as_dict=True)]})
        self.backend_client = do_register_backend_client(
            staff_users["clinic_admin"], name="Warehouse", jwks=jwks, scopes="system/*.rs"
        ).pk

    def _smart_app(self, org, staff_users, patient):
        self.smart_app = do_register_smart_app(
            staff_users["clinic_admin"],
            name="Mood tracker",
            redirect_uris="https://app.example/callback",
            client_type="public",
            allowed_scopes="launch/patient patient/*.rs",
        )[0].pk

    def _claims(self, org, staff_users, patient):
        """A Medicare claim for a final G2083 charge, paid after it went out in an 837P file."""
        billing = staff_users["billing"]
        make_billing_settings(org)
        make_provider_identity(staff_users["prescriber"])
        medicare = make_payer(org, name="Medicare Part B", kind="medicare", payer_id="01212")
        insure(patient, medicare, billing)
        make_final_charge(
            patient,
            org.locations.first(),
            billing,
            service_date=dt.date(2026, 12, 1),
            rendering_provider=staff_users["prescriber"],
        )
        claim = claim_actions.do_build_claims(billing)[0]
        claim_actions.do_change_claim_status(billing, claim.pk, status="ready")
        self.claim_export = claim_actions.do_export_837p(billing).pk
        claim_actions.do_change_claim_status(billing, claim.pk, status="paid", paid_amount="1000.00")
        self.claim = claim.pk

    def _account(self, org, staff_users, patient):
        """A package sold and paid by card, invoiced."""
        desk = staff_users["front_desk"]
        offer = make_package_offer(org)
        self.package_offer = offer.pk
        self.package_sale = package_actions.do_sell_package(desk, patient.pk, offer_id=offer.pk).pk
        self.account_payment = account_actions.do_record_payment(
            desk, patient.pk, amount="2700.00", method="card_terminal", reference="T-1"
        ).pk
        self.account_invoice = account_actions.do_issue_invoice(desk, patient.pk).pk

    def _insurance(self, org, staff_users, patient):
        """The patient's savings-program coverage (secondary: the claims pages insure the patient with a primary)
        with a pending prior authorisation."""
        payer = make_payer(org, name="Spravato savings", kind="savings_program", payer_id="")
        coverage = make_coverage(patient, payer, staff_users["billing"], priority="S")
        self.payer, self.coverage = payer.pk, coverage.pk
        self.prior_authorization = insurance_actions.do_record_prior_authorization(
            staff_users["billing"], coverage_id=coverage.pk
        ).pk

    def _fees_and_charges(self, org, staff_users, patient):
        fee_items = make_fee_schedule(org, staff_users["clinic_admin"])
        self.fee_item = fee_items["99214"].pk
        self.charge_rule = ChargeRule.objects.filter(organisation=org).first().pk
        self.rendering_provider = staff_users["prescriber"].pk
        self.charge = charge_actions.do_add_manual_charge(
            staff_users["billing"],
            patient.pk,
            fee_item_id=self.fee_item,
            location_id=org.locations.first().pk,
            service_date=dt.date(2026, 12, 1),
        ).pk

    def _consents(self, org, staff_users, patient):
        self.consent_template = template_for_coverage(org.pk, Coverage.KETAMINE_IV).pk
        self.signed_consent = sign_consents_for_route(patient, "iv", staff_users["nurse"])[0].pk

    def _consultation_and_letter(self, org, staff_users, patient):
        prescriber = staff_users["prescriber"]
        self.consultation_note = consultation_actions.do_create_consultation_note(
            prescriber, patient.pk, **dict.fromkeys(CONSULTATION_NOTE_SIGNABLE, "Written")
        ).pk
        self.referral_letter = letter_actions.do_create_referral_letter(
            prescriber, patient.pk, recipient_name="Dr Rivera"
        ).pk

    def _document(self, org, staff_users, patient):
        """A referral letter filed by the front desk and shared with the patient."""
        self.document = do_upload_document(
            staff_users["front_desk"],
            patient.pk,
            upload=SimpleUploadedFile("referral.pdf", b"%PDF-1.4\n%%EOF\n"),
            category="referral",
            document_date=patient.today(),
            title="Referral letter",
            shared_with_patient=True,
        ).pk

    def _merged_patient(self, org, staff_users, patient):
        duplicate = make_patient(org, 90)
        patient_actions.do_merge_patients(
            staff_users["clinic_admin"], survivor_id=patient.pk, duplicate_id=duplicate.pk, reason="Same person"
        )
        self.merged_patient = duplicate.pk

    def build_every_area(self) -> None:
        for name in self._BUILT_BY:
            getattr(self, name)

    def __getattr__(self, name):
        builder = type(self)._BUILT_BY.get(name)
        if builder is None:
            raise AttributeError(name)
        getattr(self, builder)(*self._context)
        return self.__dict__[name]

    def _session(self, org, staff_users, patient):
        nurse, location, now = staff_users["nurse"], org.locations.order_by("pk").first(), timezone.now()
        session_type = AppointmentType.objects.create(
            organisation=org, kind=AppointmentKind.IV_INFUSION, name="IV session (matrix)", duration_minutes=120
        )
        self.session_appointment = Appointment.objects.create(
            organisation=org,
            location=location,
            patient=patient,
            appointment_type=session_type,
            starts_at=now,
            ends_at=now + dt.timedelta(hours=2),
            created_by=staff_users["front_desk"],
        ).pk
        plan = TreatmentPlan.objects.get(pk=self.plan)
        self.treatment_session = TreatmentSession.objects.create(
            organisation=org,
            location=location,
            patient=patient,
            plan=plan,
            template=plan.template,
            route="iv",
            drug="ketamine_racemic",
            monitoring_clinician=nurse,
            checked_in_at=now,
            created_by=nurse,
        ).pk
        self.session_step = "vitals"

    def _rems_and_therapy(self, org, staff_users, patient):
        location = org.locations.get(name=f"{org.name} Portland")
        self.rems_certification = rems_actions.do_record_certification(
            staff_users["clinic_admin"],
            location_id=location.pk,
            certificate_id="HCS-1",
            certified_on=dt.date(2026, 1, 5),
            authorized_representative="Dana",
        ).pk
        self.rems_form = MonitoringForm.objects.create(
            organisation=org, patient=patient, location=location, created_by=staff_users["nurse"]
        ).pk
        therapist = staff_users["therapist"]
        self.therapy_note = therapy_actions.do_create_progress_note(
            therapist, patient.pk, session_at=timezone.now(), duration_minutes=50
        ).pk
        self.psychotherapy_note = therapy_actions.do_create_psychotherapy_note(therapist, patient.pk, text="Private").pk

    def _scheduling(self, org, staff_users, patient):
        nurse = staff_users["nurse"]
        clinic = build_clinic(org, staff_users)
        self.sched_location, self.sched_chair = clinic.location.pk, clinic.chair1.pk
        self.sched_type, self.sched_staff = clinic.type(AppointmentKind.IV_INFUSION).pk, nurse.pk
        self.sched_closed_date = ClosedDate.objects.create(
            location=clinic.location, date=clinic.day + dt.timedelta(days=30)
        ).pk
        self.sched_shift = StaffShift.objects.filter(user=nurse).first().pk
        leave_starts = clinic.at(0) + dt.timedelta(days=40)
        self.sched_exception = StaffException.objects.create(
            user=nurse, starts_at=leave_starts, ends_at=leave_starts + dt.timedelta(days=1)
        ).pk
        self.sched_appointment = do_book_appointment(
            staff_users["front_desk"],
            patient_id=patient.pk,
            appointment_type_id=self.sched_type,
            location_id=self.sched_location,
            starts_at=clinic.at(9),
        ).pk
        iv, desk = clinic.type(AppointmentKind.IV_INFUSION), staff_users["front_desk"]
        course = Course.objects.create(
            organisation=org, patient=patient, appointment_type=iv, location=clinic.location, created_by=desk
        )
        self.course = course.pk
        starts_at = timezone.now() + dt.timedelta(days=3)
        self.course_appointment = Appointment.objects.create(
            organisation=org,
            location=clinic.location,
            patient=patient,
            appointment_type=iv,
            course=course,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(minutes=100),
            created_by=desk,
        ).pk
        self.waitlist_entry = WaitlistEntry.objects.create(
            organisation=org,
            patient=patient,
            appointment_type=iv,
            earliest_date=dt.date.today(),
            availability=[{"days": ["mon"], "from": "08:00", "to": "12:00"}],
            created_by=desk,
        ).pk
        # A visit whose start has passed, to be marked as a no-show (written directly: booking refuses the past).
        starts_at = timezone.now() - dt.timedelta(hours=2)
        self.past_appointment = Appointment.objects.create(
            organisation=org,
            location=clinic.location,
            patient=patient,
            appointment_type=iv,
            starts_at=starts_at,
            ends_at=starts_at + dt.timedelta(hours=1),
            created_by=desk,
        ).pk

    def _ledger(self, org, staff_users, patient):
        nurse = staff_users["nurse"]
        location = org.locations.get(name=f"{org.name} Portland")
        self.ledger_location = location.pk
        ketamine, _ = make_products(staff_users["clinic_admin"])
        vial = receive(nurse, location, ketamine)[0].vial
        self.vial = vial.pk
        self.ledger_count = ledger_actions.do_record_count(nurse, vial_id=vial.pk, counted_mg=Decimal("490")).pk
        self.theft_loss_report = ledger_actions.do_report_theft_loss(
            # The location's today: between midnight UTC and midnight in Portland, UTC's date is its tomorrow.
            nurse,
            location_id=location.pk,
            kind="loss",
            discovered_on=location_today(location),
            description="spilled vial",
        ).pk

    def url(self, name: str, page: Page) -> str:
        return reverse(name, kwargs={arg: getattr(self, attr) for arg, attr in page.kwargs})


PROTECTED = sorted(name for name, page in PAGES.items() if page is not None and not page.public)
STAFF_PERSONAS = sorted(EVERY_STAFF)
PERSONAS = ["anonymous", *STAFF_PERSONAS, "patient", *(f"other_org_{role}" for role in STAFF_PERSONAS)]


@dataclass
class Matrix:
    """The world, and each persona's session (None: anonymous), signed in once for the module."""

    world: World
    sessions: dict[str, str | None]
    second_patient_session: str


def _session_of(user) -> str:
    return sign_in(Client(), user).cookies[settings.SESSION_COOKIE_NAME].value


@pytest.fixture(scope="module")
def matrix(django_db_setup, django_db_blocker):
    """Built once for the module in a transaction rolled back at its end (like the seeded demo clinic); each
    test runs in a savepoint on top of it. Building the world and signing 17 personas in for each of ~270
    pages was most of this module's time; every object the pages name is built here, so no test builds
    (and rolls back) an object that a later test would name."""
    with django_db_blocker.unblock(), transaction.atomic():
        org = make_organisation("Harbor", "harbor")
        staff_users = make_staff(org, "harbor")
        other_staff_users = make_staff(make_organisation("Elsewhere", "elsewhere"), "elsewhere")
        patient = make_portal_patient(org, 1, "patient_one")
        second_patient = make_portal_patient(org, 2, "patient_two")
        world = World(org, staff_users, patient)
        world.build_every_area()
        users = {
            "patient": patient.user,
            **staff_users,
            **{f"other_org_{role}": user for role, user in other_staff_users.items()},
        }
        sessions = {"anonymous": None, **{persona: _session_of(user) for persona, user in users.items()}}
        yield Matrix(world, sessions, _session_of(second_patient.user))
        transaction.set_rollback(True)


def client_of(session_key: str | None) -> Client:
    """A fresh client (no cookie left by an earlier request) on the persona's session."""
    client = Client()
    if session_key is not None:
        client.cookies[settings.SESSION_COOKIE_NAME] = session_key
    return client


def request(client, page: Page, url: str):
    return client.post(url) if page.method == "post" else client.get(url)


@pytest.mark.parametrize("name", sorted(name for name, page in PAGES.items() if page is not None and page.public))
def test_public_pages_need_no_sign_in(db, matrix, name):
    page = PAGES[name]
    assert request(client_of(None), page, matrix.world.url(name, page)).status_code == 200


def wrong_answer(page: Page, name: str, url: str, persona: str, session_key: str | None) -> str | None:
    """What is wrong with the response `persona` (on session `session_key`) gets from page `name` (None: what
    the matrix says)."""
    response = request(client_of(session_key), page, url)
    if session_key is None:
        if response.status_code == 302 and response.url.startswith(reverse("accounts:login")):
            return None
        return f"anonymous must be sent to sign in from {name} (got {response.status_code})"
    role = Role.PATIENT.value if persona == "patient" else persona.removeprefix("other_org_")
    same_org = not persona.startswith("other_org_")
    status = response.status_code
    if role not in page.roles:
        return None if status == 403 else f"{persona} must be refused {name} (got {status})"
    if not same_org and page.owned:
        return None if status == 404 else f"{persona} must not find another organisation's {name} (got {status})"
    if page.method == "get":
        return None if status == 200 else f"{persona} must reach {name} (got {status})"
    allowed = status not in (403, 404, 405) and status < 500
    return None if allowed else f"{persona} must be allowed {name} (got {status})"


@pytest.mark.parametrize("name", PROTECTED)
def test_protected_page_against_the_matrix(db, matrix, name):
    page = PAGES[name]
    url = matrix.world.url(name, page)
    failures = []
    for persona in PERSONAS:
        # Each request in a savepoint rolled back: what one persona's POST changes (or a sign-out that ends
        # its session) is gone before the next asks.
        with transaction.atomic():
            try:
                failure = wrong_answer(page, name, url, persona, matrix.sessions[persona])
            except Exception as error:
                error.add_note(f"while {persona} requested {name}")
                raise
            finally:
                transaction.set_rollback(True)
        if failure:
            failures.append(failure)
    assert not failures, "\n".join(failures)


# URL arguments that name no one patient's object: on such a page a patient sees their own side.
NOT_ONE_PATIENTS_OBJECT = {"patient_instrument", "consent_template", "org_slug", "page_slug"}


def test_a_second_patient_never_reaches_the_first_patients_pages(db, matrix):
    """Every page about one of the world's objects (the first patient's record, answers, consents, sessions,
    portal account, ...) refuses the second patient, signed in to the portal: 403 or 404, never the page."""
    failures = []
    for name in PROTECTED:
        page = PAGES[name]
        if not page.kwargs or {attr for _, attr in page.kwargs} & NOT_ONE_PATIENTS_OBJECT:
            continue
        url = matrix.world.url(name, page)
        with transaction.atomic():
            status = request(client_of(matrix.second_patient_session), page, url).status_code
            transaction.set_rollback(True)
        if status not in (403, 404):
            failures.append(f"the second patient got {status} from {name}")
    assert not failures, "\n".join(failures)
