"""Every write to consent texts, signatures and revocations: one transaction, audited.

Signing happens only through the signing flow (the portal's and the tablet's pages, and the test and
demo builders acting as staff in person); the API reads consents but never signs one.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import colleagues
from ketacare.audit.actions import record_event
from ketacare.audit.context import current_source_address
from ketacare.audit.models import AuditAction
from ketacare.consents.domain.rules import add_months, text_sha256
from ketacare.consents.domain.signature import SignatureError, decode_signature
from ketacare.consents.models import Channel, ConsentRevocation, ConsentTemplate, CoSignature, SignedConsent
from ketacare.consents.selectors import access_signed_consent_by_id, access_template_by_id, current_templates_of
from ketacare.ledger.actions.administration import reauthenticate_witness
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason, clean_text
from ketacare.patients.selectors import access_patient_by_id

TYPED_NAME_MAX_CHARS = 200
# What a clinic admin may set on a consent text; the rest (organisation, version, ...) is managed here.
TEMPLATE_FIELDS = frozenset({"title", "body_markdown", "covers", "co_signature", "valid_months", "source"})
BODY_MAX_CHARS = 50_000


# ---------------------------------------------------------------- signing


def signed_text(template: ConsentTemplate) -> str:
    """The exact text a patient reads and signs: the title, then the body (its SHA-256 is kept)."""
    return f"# {template.title}\n\n{template.body_markdown}"


def _signing_channel(actor, channel: str) -> Channel:
    """A patient signs in the portal; staff hand over the tablet (kiosk) or take the signature in person."""
    if channel not in Channel.values:
        raise ValidationError({"channel": "Unknown channel."})
    if actor.may(Permission.OWN_RECORD_VIEW):
        if channel != Channel.PORTAL:
            raise ValidationError({"channel": "A patient signs in the portal."})
    else:
        require_permission(actor, Permission.CONSENTS_COLLECT)
        if channel == Channel.PORTAL:
            raise ValidationError({"channel": "The portal is the patient's own channel."})
    return Channel(channel)


def _current_version(patient, template_id) -> ConsentTemplate:
    current = current_templates_of(patient.organisation_id).values()
    chosen = next((t for t in current if t.pk == db_id_or_zero(template_id)), None)
    if chosen is None:
        raise ValidationError(
            {"template_id": "This consent text is not the clinic's current version; sign the current one."}
        )
    return chosen


def _witness(actor, patient, template: ConsentTemplate, channel: Channel, username):
    """The staff member co-signing, when the text requires one; None otherwise."""
    if template.co_signature == CoSignature.NONE:
        return None
    who = "prescriber" if template.co_signature == CoSignature.PRESCRIBER else "witness"
    if channel == Channel.PORTAL:
        raise ValidationError(
            {"witness_username": f"This consent needs a {who}'s co-signature: sign it at the clinic, on the tablet."}
        )
    if not isinstance(username, str) or not username.strip():
        raise ValidationError({"witness_username": f"This consent needs a {who}'s co-signature: enter their username."})
    roles = [Role.PRESCRIBER] if template.co_signature == CoSignature.PRESCRIBER else None
    witness = colleagues(actor, roles=roles).filter(username=username.strip()).first()
    if witness is None or witness.organisation_id != patient.organisation_id:
        raise ValidationError({"witness_username": f"No {who} of this clinic has this username."})
    return witness


def do_sign_consent(
    actor,
    patient_id,
    *,
    template_id,
    typed_name,
    signature_data_url,
    channel: str,
    witness_username=None,
    witness_password=None,
) -> SignedConsent:
    """The patient signs the clinic's current version of a consent text.

    Keeps the exact text, its SHA-256, the drawn signature (checked: a real, non-blank PNG within the
    size limit), who was signed in, the channel, the source address, the witness when the text
    requires one (their password again) and the signed PDF. Not one transaction on purpose: a
    witness's wrong password is recorded in its own transaction (reauthenticate_witness).
    """
    with transaction.atomic():
        checked_channel = _signing_channel(actor, channel)
        patient = access_patient_by_id(actor, db_id_or_zero(patient_id), audit=False)
        template = _current_version(patient, template_id)
        witness = _witness(actor, patient, template, checked_channel, witness_username)
    if witness is not None:
        reauthenticate_witness(actor, witness, witness_password, detail={"consent_template": template.pk})
    return _sign(actor, patient.pk, template.pk, checked_channel, witness, typed_name, signature_data_url)


@transaction.atomic
def _sign(actor, patient_id: int, template_id: int, channel: Channel, witness, typed_name, signature_data_url):
    patient = access_patient_by_id(actor, patient_id, audit=False)
    template = _current_version(patient, template_id)
    name = clean_text("typed_name", typed_name, required=True, max_chars=TYPED_NAME_MAX_CHARS)
    try:
        png = decode_signature(signature_data_url)
    except SignatureError as error:
        raise ValidationError({"signature": str(error)}) from None
    text = signed_text(template)
    digest = text_sha256(text)
    signed_at = timezone.now().replace(microsecond=0)
    address = current_source_address.get()
    # reportlab loads with the first signed consent, not in every worker (issue 19).
    from ketacare.consents.pdf import consent_pdf

    pdf = consent_pdf(
        organisation_name=patient.organisation.name,
        patient_name=patient.full_name,
        patient_record=patient.record_number,
        title=template.title,
        version=template.version,
        text_signed=text,
        text_sha256=digest,
        signed_at=signed_at,
        zone_name=patient.zone_name,
        typed_name=name,
        signature_png=png,
        channel=channel.label,
        source_address=address or "",
        signer=f"{actor.display_name} ({actor.get_username()}, {actor.get_role_display()})",
        witness=f"{witness.display_name} ({witness.get_username()}, {witness.get_role_display()}), password re-entered"
        if witness
        else "",
    )
    consent = SignedConsent(
        patient=patient,
        template=template,
        text_signed=text,
        text_sha256=digest,
        signed_at=signed_at,
        expires_at=add_months(signed_at, template.valid_months) if template.valid_months else None,
        typed_name=name,
        signature_png=png,
        channel=channel,
        source_address=address,
        signed_by=actor,
        witness=witness,
        pdf=pdf,
    )
    consent.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        consent,
        patient=patient,
        detail={
            "template": template.key,
            "version": template.version,
            "sha256": digest,
            "channel": channel.value,
            "witness": witness.get_username() if witness else None,
        },
    )
    return consent


@transaction.atomic
def do_revoke_consent(actor, consent_id, *, reason) -> ConsentRevocation:
    """Record that the patient withdrew a consent: a new row; the signed consent stays as signed."""
    if not actor.may(Permission.OWN_RECORD_VIEW):
        require_permission(actor, Permission.CONSENTS_COLLECT)
    reason = clean_reason(reason)
    consent = access_signed_consent_by_id(actor, consent_id, purpose=AuditAction.STATUS_CHANGE)
    if ConsentRevocation.objects.filter(consent=consent).exists():
        raise ValidationError({"consent_id": "This consent is already revoked."})
    revocation = ConsentRevocation(consent=consent, reason=reason, revoked_by=actor, revoked_at=timezone.now())
    revocation.save(force_insert=True)
    record_event(
        actor,
        AuditAction.CREATE,
        revocation,
        patient=consent.patient,
        detail={"consent": consent.pk, "template": consent.template.key, "reason": reason},
    )
    return revocation


# ---------------------------------------------------------------- consent texts (clinic admin)


def _clean_template_fields(fields: dict) -> dict:
    unknown = {key: "This field cannot be set here." for key in fields if key not in TEMPLATE_FIELDS}
    if unknown:
        raise ValidationError(unknown)
    cleaned = dict(fields)
    if "title" in cleaned:
        cleaned["title"] = clean_text("title", cleaned["title"], required=True, max_chars=200)
    if "body_markdown" in cleaned:
        cleaned["body_markdown"] = clean_text(
            "body_markdown", cleaned["body_markdown"], required=True, max_chars=BODY_MAX_CHARS
        )
    if "source" in cleaned:
        cleaned["source"] = clean_text("source", cleaned["source"], max_chars=5000)
    if "co_signature" in cleaned and cleaned["co_signature"] not in CoSignature.values:
        raise ValidationError({"co_signature": "Choose patient only, a witness or a prescriber."})
    months = cleaned.get("valid_months")
    if months is not None and (not isinstance(months, int) or isinstance(months, bool)):
        raise ValidationError({"valid_months": "Whole months, or blank (until the next major version)."})
    return cleaned


def _save_template(template: ConsentTemplate) -> ConsentTemplate:
    try:
        template.full_clean(exclude=["organisation", "created_by"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    template.save(force_insert=True)
    return template


@transaction.atomic
def do_create_consent_template(actor, *, key, **fields) -> ConsentTemplate:
    """A new consent text (version 1.0) for the actor's organisation."""
    require_permission(actor, Permission.CONSENT_TEMPLATES_MANAGE)
    key = clean_text("key", key, required=True, max_chars=60)
    fields = _clean_template_fields(fields)
    if ConsentTemplate.objects.filter(
        Q(organisation_id=actor.organisation_id) | Q(organisation__isnull=True), key=key
    ).exists():
        raise ValidationError({"key": "A consent text with this key exists; make a new version of it instead."})
    template = _save_template(
        ConsentTemplate(
            organisation=actor.organisation, key=key, version_major=1, version_minor=0, created_by=actor, **fields
        )
    )
    record_event(actor, AuditAction.CREATE, template, detail={"key": key, "version": template.version})
    return template


@transaction.atomic
def do_new_consent_template_version(actor, template_id, *, major: bool, **changes) -> ConsentTemplate:
    """Save the changes as the next version: major (signatures on earlier versions are superseded and
    patients sign again) or minor (wording: earlier signatures stay valid). Editing a built-in makes the
    clinic's own copy, numbering on from it; the clinic's earlier versions are retired."""
    require_permission(actor, Permission.CONSENT_TEMPLATES_MANAGE)
    if not isinstance(major, bool):
        raise ValidationError({"major": "Say whether this is a major version."})
    changes = _clean_template_fields(changes)
    base = access_template_by_id(actor, template_id)
    # Locked rows, not an aggregate: PostgreSQL refuses FOR UPDATE with aggregates.
    owners = Q(organisation_id=actor.organisation_id) | Q(organisation__isnull=True)
    versions = list(
        ConsentTemplate.objects.select_for_update()
        .filter(owners, key=base.key)
        .values_list("version_major", "version_minor")
    )
    newest_major, newest_minor = max(versions)
    version = (newest_major + 1, 0) if major else (newest_major, newest_minor + 1)
    values = {name: getattr(base, name) for name in TEMPLATE_FIELDS}
    values.update(changes)
    template = _save_template(
        ConsentTemplate(
            organisation=actor.organisation,
            key=base.key,
            version_major=version[0],
            version_minor=version[1],
            created_by=actor,
            **values,
        )
    )
    ConsentTemplate.objects.filter(organisation_id=actor.organisation_id, key=base.key).exclude(pk=template.pk).update(
        is_active=False
    )
    record_event(
        actor,
        AuditAction.UPDATE,
        template,
        detail={"key": base.key, "version": template.version, "previous_id": base.pk, "fields": sorted(changes)},
    )
    return template


@transaction.atomic
def do_retire_consent_template(actor, template_id, *, reason) -> ConsentTemplate:
    """The clinic stops using one of its consent texts: every version of it is retired, so no patient is
    asked to sign it and the gate no longer finds it (a route it alone covered then says the clinic has no
    text for it). Signatures given on it are kept and stay valid until they expire; a new version made
    from a retired one brings the text back. A built-in example is shared by every clinic: a clinic makes
    its own version first (the built-in stays hidden behind the clinic's rows, retired or not)."""
    require_permission(actor, Permission.CONSENT_TEMPLATES_MANAGE)
    reason = clean_reason(reason)
    template = access_template_by_id(actor, template_id)
    if template.is_builtin:
        raise ValidationError(
            {"template_id": "A built-in example cannot be retired: make the clinic's own version, then retire that."}
        )
    versions = ConsentTemplate.objects.select_for_update().filter(
        organisation_id=actor.organisation_id, key=template.key
    )
    if not any(row.is_active for row in versions):
        raise ValidationError({"template_id": "This consent text is already retired."})
    versions.update(is_active=False)
    template.refresh_from_db(fields=["is_active"])
    record_event(
        actor, AuditAction.STATUS_CHANGE, template, detail={"key": template.key, "retired": True, "reason": reason}
    )
    return template
