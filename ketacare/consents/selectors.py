"""Access-checked reads of consent texts and signed consents, and the consent gate's checks.

- staff see their own organisation's templates (and the built-ins) and patients' consents; a patient
  sees only their own consents and the texts they may sign; anything else is 404;
- reads of a patient's consents and PDFs are audited;
- plan_consent_problem and session_consent_problems are the gate (registered in apps.py).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.candidacy.selectors import approved_routes
from ketacare.consents.domain.rules import COVERAGE_LABELS, Coverage, is_superseded, required_coverage
from ketacare.consents.models import ConsentTemplate, SignedConsent
from ketacare.lib.fixed_reads import FixedRead
from ketacare.lib.ids import db_id_or_zero
from ketacare.patients.models import Patient
from ketacare.patients.selectors import access_patient_by_id
from ketacare.protocols.models import TreatmentPlan
from ketacare.protocols.prerequisites import CANDIDACY_ROUTE

EXPIRING_WITHIN = dt.timedelta(days=30)


def _templates_of_organisation(organisation_id: int | None) -> QuerySet[ConsentTemplate]:
    return ConsentTemplate.objects.filter(Q(organisation__isnull=True) | Q(organisation_id=organisation_id))


def current_templates_of(organisation_id: int | None) -> dict[str, ConsentTemplate]:
    """The newest active version of each consent the clinic uses, by key; its own versions hide the built-in,
    also once the clinic has retired them all (do_retire_consent_template)."""
    return _current_among(list(_templates_of_organisation(organisation_id)))


def _current_among(rows: list[ConsentTemplate]) -> dict[str, ConsentTemplate]:
    """current_templates_of from the organisation's texts (every version), in any order: by title, then key."""
    own_keys = {t.key for t in rows if not t.is_builtin}
    current: dict[str, ConsentTemplate] = {}
    for template in sorted(rows, key=lambda t: (t.version_major, t.version_minor), reverse=True):
        if not template.is_active or (template.is_builtin and template.key in own_keys):
            continue
        current.setdefault(template.key, template)
    return dict(sorted(current.items(), key=lambda item: (item[1].title, item[0])))


# What lists of a patient's consents (the chart, the consents page, the portal, the API, the consent gate) read
# of the texts: not the body or the sources, the longest columns, read where a text is shown or signed.
_LISTED_TEMPLATE_FIELDS = (
    "organisation",
    "key",
    "version_major",
    "version_minor",
    "title",
    "covers",
    "co_signature",
    "valid_months",
    "is_active",
)


# The reads of a patient's consent state run on every chart, consents page, portal list and consent gate check:
# their SQL is built once per connection (lib/fixed_reads.py, issue 19: building it was most of the chart's
# consents section), and each call asks the database.
_LISTED_TEMPLATES = FixedRead(
    ConsentTemplate,
    lambda organisation_id: _templates_of_organisation(organisation_id).only(*_LISTED_TEMPLATE_FIELDS).order_by(),
    organisation_id=int,
)


def _listed_templates(organisation_id: int) -> list[ConsentTemplate]:
    """Every version of the organisation's texts and the built-ins, for lists (in no order: _current_among
    orders them)."""
    return _LISTED_TEMPLATES.models(organisation_id=organisation_id)


def template_for_coverage(organisation_id: int | None, coverage: Coverage) -> ConsentTemplate | None:
    """The clinic's current text that covers `coverage` (the first by title), or None."""
    return _covering(current_templates_of(organisation_id), coverage)


def _covering(current: dict[str, ConsentTemplate], coverage: Coverage) -> ConsentTemplate | None:
    return next((template for template in current.values() if coverage.value in template.covers), None)


def visible_templates(user) -> QuerySet[ConsentTemplate]:
    """Every version of the built-ins and of the user's organisation's texts (staff and patients alike)."""
    if not getattr(user, "is_authenticated", False) or user.organisation_id is None:
        return ConsentTemplate.objects.none()
    return _templates_of_organisation(user.organisation_id).select_related("created_by")


def list_current_templates(user) -> list[ConsentTemplate]:
    require_permission(user, Permission.PATIENT_VIEW)
    return list(current_templates_of(user.organisation_id).values())


def list_all_template_versions(user) -> list[ConsentTemplate]:
    require_permission(user, Permission.PATIENT_VIEW)
    return list(visible_templates(user))


def access_template_by_id(user, template_id) -> ConsentTemplate:
    template = visible_templates(user).filter(pk=db_id_or_zero(template_id)).first()
    if template is None:
        raise Http404("No such consent text")
    return template


# ---------------------------------------------------------------- a patient's consents and their state


@dataclass(frozen=True)
class ConsentState:
    consent: SignedConsent
    state: str  # valid, expiring, expired, superseded, revoked
    label: str


@dataclass(frozen=True)
class MissingConsent:
    coverage: Coverage
    label: str
    template: ConsentTemplate | None  # the clinic's text to sign, None when it has none


@dataclass(frozen=True)
class PatientConsents:
    patient: Patient
    rows: list[ConsentState]
    missing: list[MissingConsent] = field(default_factory=list)
    templates: list[ConsentTemplate] = field(default_factory=list)


def _state(consent: SignedConsent, current: dict[str, ConsentTemplate], now: dt.datetime) -> ConsentState:
    if hasattr(consent, "revocation"):
        return ConsentState(consent, "revoked", "Revoked")
    if consent.expires_at is not None and consent.expires_at <= now:
        return ConsentState(consent, "expired", "Expired")
    newest = current.get(consent.template.key)
    if is_superseded(consent.template.version_major, newest.version_major if newest else None):
        return ConsentState(consent, "superseded", f"Superseded by version {newest.version}")
    if consent.expires_at is not None and consent.expires_at - now <= EXPIRING_WITHIN:
        return ConsentState(consent, "expiring", "Valid, expiring within 30 days")
    return ConsentState(consent, "valid", "Valid")


# What lists of consents show of a signed consent and its revocation (the signed text, its drawing and its PDF are
# read one at a time, where they are shown or downloaded), and of the people on them: their names. Building a
# query costs per selected column (issue 19): whole users were three quarters of the chart's consent read.
_LISTED_CONSENT_FIELDS = (
    "patient",
    "template",
    "text_sha256",
    "signed_at",
    "expires_at",
    "typed_name",
    "channel",
    "source_address",
    "revocation__consent",
    "revocation__reason",
    "revocation__revoked_at",
)
_CONSENT_PEOPLE = ("signed_by", "witness", "revocation__revoked_by")
_PERSON_NAME_FIELDS = ("username", "first_name", "last_name")
_LISTED_CONSENTS = FixedRead(
    SignedConsent,
    lambda patient_id: (
        SignedConsent.objects.filter(patient_id=patient_id)
        .select_related(*_CONSENT_PEOPLE)
        .only(
            *_LISTED_CONSENT_FIELDS,
            *(f"{person}__{name}" for person in _CONSENT_PEOPLE for name in _PERSON_NAME_FIELDS),
        )
    ),
    patient_id=int,
)


def consent_states(
    patient: Patient, now: dt.datetime | None = None, templates: list[ConsentTemplate] | None = None
) -> list[ConsentState]:
    """Every consent the patient signed, newest first, with its state now (`templates`: the organisation's
    texts from _listed_templates, when the caller has read them already). Two queries, whatever the number of
    consents: the texts are read once and given to the consents that signed them."""
    now = now or timezone.now()
    templates = _listed_templates(patient.organisation_id) if templates is None else templates
    current = _current_among(templates)
    by_id = {template.pk: template for template in templates}
    rows = []
    for consent in _LISTED_CONSENTS.models(patient_id=patient.pk):
        if consent.template_id in by_id:  # always: a patient signs their clinic's texts or the built-ins
            consent.template = by_id[consent.template_id]
        rows.append(_state(consent, current, now))
    return rows


def covered_now(patient: Patient) -> set[str]:
    """The coverage values of the patient's consents that are valid now."""
    return _covered_by(consent_states(patient))


def _covered_by(rows: list[ConsentState]) -> set[str]:
    covered: set[str] = set()
    for row in rows:
        if row.state in ("valid", "expiring"):
            covered.update(row.consent.template.covers)
    return covered


def missing_consents(patient: Patient, route: str) -> list[MissingConsent]:
    """What a plan or session on `route` still needs signed, with the clinic's text for each."""
    needed = required_coverage(route)
    if not needed:
        return []
    templates = _listed_templates(patient.organisation_id)
    return _missing(needed, _covered_by(consent_states(patient, templates=templates)), _current_among(templates))


def _missing(needed, covered: set[str], current: dict[str, ConsentTemplate]) -> list[MissingConsent]:
    return [
        MissingConsent(coverage, COVERAGE_LABELS[coverage], _covering(current, coverage))
        for coverage in needed
        if coverage.value not in covered
    ]


def describe_missing(patient: Patient, missing: list[MissingConsent]) -> str:
    """One sentence per missing consent naming it and where to sign it."""
    where = reverse("consents:patient", args=[patient.pk])
    sentences = []
    for item in missing:
        if item.template is None:
            sentences.append(
                f"No valid signed consent for {item.label}, and the clinic has no consent text covering it: "
                "a clinic admin adds one under Consent texts."
            )
        else:
            sentences.append(
                f"No valid signed consent for {item.label}: the patient signs “{item.template.title}” "
                f"(on the clinic tablet from the chart's Consents section, {where}, or in the patient portal)."
            )
    return " ".join(sentences)


def plan_consent_problem(patient: Patient, template) -> str:
    """The plan prerequisite registered with protocols: '' when the route's consents are signed and valid."""
    return describe_missing(patient, missing_consents(patient, template.route))


def session_consent_problems(session) -> list[str]:
    """The start check registered with treatments: asked before every dose and device."""
    problem = describe_missing(session.patient, missing_consents(session.patient, session.route))
    return [problem] if problem else []


# Only the routes: a values query, not plans and their protocol templates as models (the chart reads it).
_PLAN_ROUTES = FixedRead(
    TreatmentPlan,
    lambda patient_id: (
        TreatmentPlan.objects.filter(patient_id=patient_id, status__in=("proposed", "active", "paused"))
        .order_by()
        .values_list("template__route")
    ),
    patient_id=int,
)


def _plan_routes(patient: Patient) -> set[str]:
    """Routes of the patient's proposed, active and paused plans, and the routes a prescriber approved at
    candidacy, whose plan is the next step."""
    plan_routes = {route for (route,) in _PLAN_ROUTES.rows(patient_id=patient.pk)}
    approved = set(approved_routes(patient))
    return plan_routes | {
        route.value for route, candidacy_route in CANDIDACY_ROUTE.items() if candidacy_route in approved
    }


def patient_consents(patient: Patient) -> PatientConsents:
    """Rows, what the patient's current plans still need, and the texts that may be signed: the clinic's
    texts and the patient's consents are read once, whatever the number of routes and consents."""
    templates = _listed_templates(patient.organisation_id)
    current = _current_among(templates)
    rows = consent_states(patient, templates=templates)
    covered = _covered_by(rows)
    missing: list[MissingConsent] = []
    for route in sorted(_plan_routes(patient)):
        for item in _missing(required_coverage(route), covered, current):
            if item.coverage not in {m.coverage for m in missing}:
                missing.append(item)
    return PatientConsents(patient, rows, missing, list(current.values()))


def access_consents_by_patient_id(user, patient_id) -> PatientConsents:
    """The patient's consents for staff with PATIENT_VIEW or the patient themself (audited as a list)."""
    patient = access_patient_by_id(user, db_id_or_zero(patient_id), audit=False)
    record_event(
        user, AuditAction.LIST, object_type="consents.signedconsent", patient=patient, organisation=patient.organisation
    )
    return patient_consents(patient)


def _visible_consents(user) -> QuerySet[SignedConsent]:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return SignedConsent.objects.none()
    if user.may(Permission.OWN_RECORD_VIEW):
        return SignedConsent.objects.filter(patient__user=user)
    if user.may(Permission.PATIENT_VIEW) and user.organisation_id is not None:
        return SignedConsent.objects.filter(patient__organisation_id=user.organisation_id)
    return SignedConsent.objects.none()


def access_signed_consent_by_id(user, consent_id, *, purpose: AuditAction = AuditAction.VIEW) -> SignedConsent:
    """One signed consent (PDF included) if `user` may see it, audited; 404 otherwise."""
    consent = (
        _visible_consents(user)
        .select_related("patient", "patient__organisation", "template", "signed_by", "witness", "revocation")
        .filter(pk=db_id_or_zero(consent_id))
        .first()
    )
    if consent is None:
        raise Http404("No such signed consent")
    record_event(user, purpose, consent, patient=consent.patient)
    return consent


def own_patient(user) -> Patient | None:
    """The signed-in patient's own record (the portal), or None."""
    if not getattr(user, "is_authenticated", False) or not user.may(Permission.OWN_RECORD_VIEW):
        return None
    return Patient.objects.filter(user=user, merged_into__isnull=True).select_related("organisation").first()
