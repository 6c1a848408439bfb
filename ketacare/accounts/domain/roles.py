"""The role matrix: the one place that decides which role may do what.

Pure Python so it can be read, reviewed and tested on its own. Deny by default:
a permission not listed here is granted to nobody, and a role not listed for a
permission does not have it. Organisation scoping (staff see only their own
organisation, a patient only their own record) is applied by the selectors on
top of this matrix.
"""

from enum import StrEnum


class Role(StrEnum):
    FRONT_DESK = "front_desk"
    NURSE = "nurse"
    PRESCRIBER = "prescriber"
    THERAPIST = "therapist"
    CLINIC_ADMIN = "clinic_admin"
    BILLING = "billing"
    PATIENT = "patient"
    # A SMART Backend Services client's service account (fhir/backend/): reads the clinic's records for a
    # FHIR bulk export, never signs in, is no member of staff (no staff lists, no Practitioner, no admin).
    BACKEND_SERVICE = "backend_service"

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.FRONT_DESK: "Front desk",
    Role.NURSE: "Nurse",
    Role.PRESCRIBER: "Prescriber",
    Role.THERAPIST: "Therapist",
    Role.CLINIC_ADMIN: "Clinic admin",
    Role.BILLING: "Billing",
    Role.PATIENT: "Patient",
    Role.BACKEND_SERVICE: "Backend service (FHIR export)",
}

# The care team: the staff who work with patients' records. Billing staff work with money and see of a
# record only what a bill or a claim needs (HIPAA minimum necessary, 45 CFR 164.502(b)).
CARE_TEAM_ROLES = frozenset({Role.FRONT_DESK, Role.NURSE, Role.PRESCRIBER, Role.THERAPIST, Role.CLINIC_ADMIN})
STAFF_ROLES = CARE_TEAM_ROLES | {Role.BILLING}
# Two-factor authentication is mandatory for these roles (unless demo mode).
TWO_FACTOR_REQUIRED_ROLES = frozenset({Role.PRESCRIBER, Role.CLINIC_ADMIN})


class Permission(StrEnum):
    INQUIRY_VIEW = "inquiry.view"
    INQUIRY_TRIAGE = "inquiry.triage"
    INQUIRY_CONVERT = "inquiry.convert"
    PATIENT_LIST = "patient.list"
    PATIENT_VIEW = "patient.view"
    PATIENT_REGISTER = "patient.register"
    PATIENT_EDIT_DEMOGRAPHICS = "patient.edit_demographics"
    PATIENT_EDIT_CLINICAL = "patient.edit_clinical"
    PATIENT_EXPORT = "patient.export"
    PATIENT_MERGE = "patient.merge"  # merge a duplicate record into another, and undo it
    RECORDS_IMPORT = "records.import"  # bring the clinic's records from another system (FHIR import)
    OWN_RECORD_VIEW = "own_record.view"
    AUDIT_VIEW = "audit.view"
    AUDIT_EXPORT = "audit.export"
    CLINIC_PAGES_EDIT = "clinic_pages.edit"
    ORGANISATION_SETTINGS = "organisation.settings"
    OUTBOX_VIEW = "outbox.view"  # failed and retrying mail (safety mail), and "retry now"
    OUTBOX_VIEW_ALL = "outbox.view_all"  # every kind of mail, not only safety mail
    API_TOKEN_MANAGE = "api_token.manage"
    STAFF_MANAGE = "staff.manage"  # invite, change, deactivate, unlock staff; reset their two-factor
    PORTAL_ACCOUNTS_MANAGE = "portal_accounts.manage"  # invite patients to the portal, end their access
    PROTOCOLS_MANAGE = "protocols.manage"
    PLANS_MANAGE = "plans.manage"
    PLANS_VIEW = "plans.view"
    MEASURES_VIEW = "measures.view"
    MEASURES_ASSIGN = "measures.assign"
    MEASURES_RECORD = "measures.record"
    MEASURES_ALERTS_VIEW = "measures.alerts_view"
    MEASURES_ALERTS_ACKNOWLEDGE = "measures.alerts_acknowledge"
    MEASURES_DASHBOARD = "measures.dashboard"
    CANDIDACY_VIEW = "candidacy.view"
    CANDIDACY_EDIT = "candidacy.edit"
    CANDIDACY_DECIDE = "candidacy.decide"
    SCHEDULE_VIEW = "schedule.view"
    SCHEDULE_BOOK = "schedule.book"
    SCHEDULE_RESOURCES_MANAGE = "schedule.resources_manage"
    SCHEDULE_WAITLIST = "schedule.waitlist"
    LEDGER_VIEW = "ledger.view"
    LEDGER_RECORD = "ledger.record"
    LEDGER_REPORT = "ledger.report"
    LEDGER_RESOLVE = "ledger.resolve"
    SESSION_VIEW = "session.view"
    SESSION_CHART = "session.chart"
    SESSION_OVERRIDE = "session.override"
    REMS_VIEW = "rems.view"
    REMS_MANAGE = "rems.manage"
    REMS_FINALISE = "rems.finalise"
    THERAPY_NOTE_VIEW = "therapy.note_view"
    THERAPY_NOTE_WRITE = "therapy.note_write"
    CONSULTATION_NOTE_VIEW = "consultations.note_view"
    CONSULTATION_NOTE_WRITE = "consultations.note_write"
    REFERRAL_LETTER_VIEW = "reports.letter_view"
    REFERRAL_LETTER_WRITE = "reports.letter_write"
    CONSENT_TEMPLATES_MANAGE = "consents.templates_manage"
    CONSENTS_COLLECT = "consents.collect"  # hand the tablet to sign, witness, record a revocation
    BILLING_VIEW = "billing.view"  # charges, accounts, invoices, payments, coverage and claims
    BILLING_SETUP = "billing.setup"  # fee schedule, charge rules, package offers, payers, billing identity
    CHARGES_EDIT = "billing.charges_edit"  # edit, finalise and void charges; manual charges
    PAYMENTS_RECORD = "billing.payments_record"  # payments, package sales, invoices
    PAYMENTS_ADJUST = "billing.payments_adjust"  # refunds, write-offs, adjustments, reversals
    INSURANCE_MANAGE = "billing.insurance_manage"  # coverage, benefits investigations, prior authorisations
    CLAIMS_MANAGE = "billing.claims_manage"  # build, export and follow claims


_ALL_STAFF = CARE_TEAM_ROLES
# A backend client exports what a clinic admin reads of a record (the chart, schedule, plans, measures and
# session charts), not the clinical notes a clinic admin does not read either (minimum necessary).
_EXPORT = frozenset({Role.BACKEND_SERVICE})
_MONEY = frozenset({Role.BILLING, Role.CLINIC_ADMIN})

MATRIX: dict[Permission, frozenset[Role]] = {
    Permission.INQUIRY_VIEW: frozenset({Role.FRONT_DESK, Role.NURSE, Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    Permission.INQUIRY_TRIAGE: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN}),
    Permission.INQUIRY_CONVERT: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN}),
    # Billing staff find a patient to bill; the chart itself is clinical.
    Permission.PATIENT_LIST: STAFF_ROLES,
    Permission.PATIENT_VIEW: _ALL_STAFF | _EXPORT,
    Permission.PATIENT_REGISTER: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN}),
    Permission.PATIENT_EDIT_DEMOGRAPHICS: frozenset({Role.FRONT_DESK, Role.NURSE, Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    # Diagnoses, allergies, medications and weights are entered by clinicians.
    Permission.PATIENT_EDIT_CLINICAL: frozenset({Role.NURSE, Role.PRESCRIBER}),
    # A backend client exists to export (FHIR Bulk Data); it starts exports of what it may read.
    Permission.PATIENT_EXPORT: frozenset({Role.PRESCRIBER, Role.CLINIC_ADMIN}) | _EXPORT,
    # Moving a whole record's history between charts is registry housekeeping, audited and reversible.
    Permission.PATIENT_MERGE: frozenset({Role.CLINIC_ADMIN}),
    Permission.RECORDS_IMPORT: frozenset({Role.CLINIC_ADMIN}),
    Permission.OWN_RECORD_VIEW: frozenset({Role.PATIENT}),
    Permission.AUDIT_VIEW: frozenset({Role.CLINIC_ADMIN}),
    Permission.AUDIT_EXPORT: frozenset({Role.CLINIC_ADMIN}),
    Permission.CLINIC_PAGES_EDIT: frozenset({Role.CLINIC_ADMIN}),
    Permission.ORGANISATION_SETTINGS: frozenset({Role.CLINIC_ADMIN}),
    # Mail that did not go out: prescribers see the safety alert mail (a lost alert is theirs to chase),
    # clinic admins every kind (links, confirmations, reminders carry patients' addresses).
    Permission.OUTBOX_VIEW: frozenset({Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    Permission.OUTBOX_VIEW_ALL: frozenset({Role.CLINIC_ADMIN}),
    # Staff create and revoke their own REST API tokens; the portal has no API.
    Permission.API_TOKEN_MANAGE: STAFF_ROLES,
    # Who works here and with which role is the clinic's decision; front desk, who registers patients,
    # also opens and closes their portal accounts.
    Permission.STAFF_MANAGE: frozenset({Role.CLINIC_ADMIN}),
    Permission.PORTAL_ACCOUNTS_MANAGE: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN}),
    # Protocol templates are clinic policy; treatment plans and doses are prescribing.
    Permission.PROTOCOLS_MANAGE: frozenset({Role.CLINIC_ADMIN}),
    Permission.PLANS_MANAGE: frozenset({Role.PRESCRIBER}),
    Permission.PLANS_VIEW: _ALL_STAFF | _EXPORT,
    # Candidacy intake is entered by clinicians; only a prescriber decides on a route.
    Permission.CANDIDACY_VIEW: _ALL_STAFF,
    Permission.CANDIDACY_EDIT: frozenset({Role.NURSE, Role.PRESCRIBER}),
    Permission.CANDIDACY_DECIDE: frozenset({Role.PRESCRIBER}),
    Permission.MEASURES_VIEW: _ALL_STAFF | _EXPORT,
    Permission.MEASURES_ASSIGN: _ALL_STAFF,
    # Staff-entered and amended scores are clinical entries; safety alerts go to clinicians.
    Permission.MEASURES_RECORD: frozenset({Role.NURSE, Role.PRESCRIBER, Role.THERAPIST}),
    Permission.MEASURES_ALERTS_VIEW: frozenset({Role.NURSE, Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    Permission.MEASURES_ALERTS_ACKNOWLEDGE: frozenset({Role.NURSE, Role.PRESCRIBER}),
    # Clinic-wide outcome rates are for running the clinic and prescribing, not every chart reader.
    Permission.MEASURES_DASHBOARD: frozenset({Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    # Everyone on staff sees the calendars; therapists book their own integration sessions.
    Permission.SCHEDULE_VIEW: _ALL_STAFF | _EXPORT,
    Permission.SCHEDULE_BOOK: _ALL_STAFF,
    Permission.SCHEDULE_RESOURCES_MANAGE: frozenset({Role.CLINIC_ADMIN}),
    Permission.SCHEDULE_WAITLIST: frozenset({Role.FRONT_DESK, Role.CLINIC_ADMIN}),
    # Schedule III stock: clinicians who handle it record it; the registrant (a prescriber)
    # resolves count discrepancies; reports go to the registrant and the clinic admin.
    Permission.LEDGER_VIEW: frozenset({Role.NURSE, Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    Permission.LEDGER_RECORD: frozenset({Role.NURSE, Role.PRESCRIBER}),
    Permission.LEDGER_REPORT: frozenset({Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    Permission.LEDGER_RESOLVE: frozenset({Role.PRESCRIBER}),
    # Session charts: nurses and prescribers chart; only a prescriber overrides a hold.
    Permission.SESSION_VIEW: frozenset({Role.NURSE, Role.PRESCRIBER, Role.THERAPIST, Role.CLINIC_ADMIN}) | _EXPORT,
    Permission.SESSION_CHART: frozenset({Role.NURSE, Role.PRESCRIBER}),
    Permission.SESSION_OVERRIDE: frozenset({Role.PRESCRIBER}),
    Permission.REMS_VIEW: frozenset({Role.NURSE, Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    Permission.REMS_MANAGE: frozenset({Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    Permission.REMS_FINALISE: frozenset({Role.NURSE, Role.PRESCRIBER}),
    # Integration-therapy progress notes; psychotherapy notes are further limited to their
    # author and the treating prescriber by the therapy selectors.
    Permission.THERAPY_NOTE_VIEW: frozenset({Role.NURSE, Role.PRESCRIBER, Role.THERAPIST}),
    Permission.THERAPY_NOTE_WRITE: frozenset({Role.PRESCRIBER, Role.THERAPIST}),
    # The psychiatric consultation is written and signed by the prescriber who decides on treatment.
    # Clinicians who treat the patient read it: nurses (risk and plan at the chair) and therapists
    # (integration work builds on the history and risk assessment). Front desk and clinic admins do
    # not: a psychiatric evaluation is beyond what scheduling or running the clinic needs
    # (HIPAA minimum necessary, 45 CFR 164.502(b)).
    Permission.CONSULTATION_NOTE_VIEW: frozenset({Role.NURSE, Role.PRESCRIBER, Role.THERAPIST}),
    Permission.CONSULTATION_NOTE_WRITE: frozenset({Role.PRESCRIBER}),
    # A letter to the referring clinician carries the progress summary's facts: read by those who
    # may read that summary (the export or the session charts; not front desk), signed by a prescriber.
    Permission.REFERRAL_LETTER_VIEW: frozenset({Role.NURSE, Role.PRESCRIBER, Role.THERAPIST, Role.CLINIC_ADMIN}),
    Permission.REFERRAL_LETTER_WRITE: frozenset({Role.PRESCRIBER}),
    # Consent texts are clinic policy; every role that meets patients collects signatures and revocations.
    Permission.CONSENT_TEMPLATES_MANAGE: frozenset({Role.CLINIC_ADMIN}),
    Permission.CONSENTS_COLLECT: frozenset({Role.FRONT_DESK, Role.NURSE, Role.PRESCRIBER, Role.CLINIC_ADMIN}),
    # Money (issue 18): the billing role runs it; front desk takes payments, sells packages and records
    # insurance at the desk; refunds, write-offs and the fee schedule stay with billing and the clinic admin.
    Permission.BILLING_VIEW: _MONEY | {Role.FRONT_DESK},
    Permission.BILLING_SETUP: _MONEY,
    Permission.CHARGES_EDIT: _MONEY,
    Permission.PAYMENTS_RECORD: _MONEY | {Role.FRONT_DESK},
    Permission.PAYMENTS_ADJUST: _MONEY,
    Permission.INSURANCE_MANAGE: _MONEY | {Role.FRONT_DESK},
    Permission.CLAIMS_MANAGE: _MONEY,
}


_NO_ROLES: frozenset[Role] = frozenset()


def role_may(role: str | None, permission: Permission) -> bool:
    """True when the role holds the permission; unknown roles hold nothing."""
    # A StrEnum member hashes and compares as its value, so the role's plain string is looked up as it is:
    # building Role(role) first cost ten times the lookup, and this runs a dozen times a page (issue 19).
    return role in MATRIX.get(permission, _NO_ROLES)


def roles_with(permission: Permission) -> frozenset[Role]:
    """The roles that hold `permission` (none for a permission the matrix does not list)."""
    return MATRIX.get(permission, frozenset())


def requires_two_factor(role: str | None, *, demo_mode: bool) -> bool:
    if demo_mode or role is None:
        return False
    return role in TWO_FACTOR_REQUIRED_ROLES
