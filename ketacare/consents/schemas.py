"""API shapes of consent texts, signed consents and revocations (names unique across the API)."""

import datetime as dt
from typing import Annotated

from ninja import Field, Schema
from pydantic import StringConstraints

from ketacare.consents.domain.rules import Coverage
from ketacare.consents.models import CoSignature
from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

ConsentKey = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
ConsentTitle = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=200)]
ConsentBody = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=50_000)]
ConsentSource = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=5000)]
ConsentReason = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=2000)]
ValidMonths = Annotated[int, Field(ge=1, le=120)]


class ConsentTemplateOut(Schema):
    id: int
    key: str
    version: str
    version_major: int
    version_minor: int
    title: str
    body_markdown: str
    covers: list[str]
    co_signature: str
    valid_months: int | None
    source: str
    is_active: bool
    is_builtin: bool
    created_at: dt.datetime


class ConsentTemplateIn(Schema):
    key: ConsentKey
    title: ConsentTitle
    body_markdown: ConsentBody
    covers: list[Coverage] = Field(min_length=1, max_length=len(Coverage))
    co_signature: CoSignature = CoSignature.NONE
    valid_months: ValidMonths | None = None
    source: ConsentSource = ""


class ConsentTemplateVersionIn(Schema):
    """A new version of a consent text: major (patients sign again) or minor (wording); omitted fields are kept."""

    major: bool
    title: ConsentTitle | None = None
    body_markdown: ConsentBody | None = None
    covers: list[Coverage] | None = Field(default=None, min_length=1, max_length=len(Coverage))
    co_signature: CoSignature | None = None
    valid_months: ValidMonths | None = None
    source: ConsentSource | None = None

    def changes(self) -> dict:
        values = self.dict(exclude={"major"}, exclude_unset=True)
        return {name: (value.value if hasattr(value, "value") else value) for name, value in values.items()}


class ConsentRevocationOut(Schema):
    id: int
    consent_id: int
    reason: str
    revoked_by: str
    revoked_at: dt.datetime


class SignedConsentOut(Schema):
    id: int
    patient_id: int
    template_id: int
    template_key: str
    template_version: str
    title: str
    covers: list[str]
    state: str  # valid, expiring, expired, superseded, revoked
    text_sha256: str
    signed_at: dt.datetime
    expires_at: dt.datetime | None
    typed_name: str
    channel: str
    source_address: str | None
    signed_by: str
    witness: str | None
    revocation: ConsentRevocationOut | None


class PatientConsentsOut(Schema):
    patient_id: int
    consents: list[SignedConsentOut]
    missing: list[str]  # what the patient's current plans still need signed


class ConsentRevokeIn(Schema):
    reason: ConsentReason


class ConsentTemplateRetireIn(Schema):
    reason: ConsentReason


def template_out(template) -> dict:
    return {
        **{name: getattr(template, name) for name in ConsentTemplateOut.model_fields if name != "is_builtin"},
        "is_builtin": template.is_builtin,
    }


def revocation_out(revocation) -> dict:
    return {
        "id": revocation.pk,
        "consent_id": revocation.consent_id,
        "reason": revocation.reason,
        "revoked_by": revocation.revoked_by.get_username(),
        "revoked_at": revocation.revoked_at,
    }


def signed_consent_out(consent, state: str) -> dict:
    revocation = getattr(consent, "revocation", None) if hasattr(consent, "revocation") else None
    return {
        "id": consent.pk,
        "patient_id": consent.patient_id,
        "template_id": consent.template_id,
        "template_key": consent.template.key,
        "template_version": consent.template.version,
        "title": consent.template.title,
        "covers": consent.template.covers,
        "state": state,
        "text_sha256": consent.text_sha256,
        "signed_at": consent.signed_at,
        "expires_at": consent.expires_at,
        "typed_name": consent.typed_name,
        "channel": consent.channel,
        "source_address": consent.source_address,
        "signed_by": consent.signed_by.get_username(),
        "witness": consent.witness.get_username() if consent.witness else None,
        "revocation": revocation_out(revocation) if revocation else None,
    }
