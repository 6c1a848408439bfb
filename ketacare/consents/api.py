"""REST endpoints of consents (/api/v1/consents): texts (read; clinic admins create and version them),
a patient's signed consents (read, PDF) and revocation. No signing here: a patient signs only through
the signing pages (the portal, the clinic tablet), which capture the drawn signature and the channel."""

from django.http import HttpResponse
from ninja import Router

from ketacare.audit.models import AuditAction
from ketacare.consents import actions
from ketacare.consents.schemas import (
    ConsentRevocationOut,
    ConsentRevokeIn,
    ConsentTemplateIn,
    ConsentTemplateOut,
    ConsentTemplateRetireIn,
    ConsentTemplateVersionIn,
    PatientConsentsOut,
    revocation_out,
    template_out,
)
from ketacare.consents.schemas import signed_consent_out as consent_out
from ketacare.consents.selectors import (
    access_consents_by_patient_id,
    access_signed_consent_by_id,
    access_template_by_id,
    list_all_template_versions,
    list_current_templates,
)
from ketacare.lib.api import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS, PathId

router = Router(tags=["consents"])

PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "The signed consent as a PDF (made at signing; a download)",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get("/templates", response={200: list[ConsentTemplateOut], **LIST_ERRORS})
def list_consent_templates(request, all_versions: bool = False):
    """The clinic's current consent texts (built-in examples where it has none of its own); every version with
    all_versions=true."""
    rows = list_all_template_versions(request.auth) if all_versions else list_current_templates(request.auth)
    return [template_out(template) for template in rows]


@router.get("/templates/{template_id}", response={200: ConsentTemplateOut, **READ_ERRORS})
def get_consent_template(request, template_id: int = PathId):
    return template_out(access_template_by_id(request.auth, template_id))


@router.post("/templates", response={201: ConsentTemplateOut, **WRITE_ERRORS})
def create_consent_template(request, payload: ConsentTemplateIn):
    """A new consent text, version 1.0 (clinic admins)."""
    values = payload.dict()
    values["covers"] = [coverage.value for coverage in payload.covers]
    values["co_signature"] = payload.co_signature.value
    return 201, template_out(actions.do_create_consent_template(request.auth, **values))


@router.post("/templates/{template_id}/versions", response={201: ConsentTemplateOut, **WRITE_ERRORS})
def new_consent_template_version(request, payload: ConsentTemplateVersionIn, template_id: int = PathId):
    """The next version of a text (clinic admins): a major version asks patients to sign again."""
    template = actions.do_new_consent_template_version(
        request.auth, template_id, major=payload.major, **payload.changes()
    )
    return 201, template_out(template)


@router.post("/templates/{template_id}/retire", response={200: ConsentTemplateOut, **WRITE_ERRORS})
def retire_consent_template(request, payload: ConsentTemplateRetireIn, template_id: int = PathId):
    """Retire every version of one of the clinic's texts (clinic admins): no patient is asked to sign it; signatures
    given on it stay valid until they expire. A built-in example is refused (make the clinic's version first)."""
    return template_out(actions.do_retire_consent_template(request.auth, template_id, reason=payload.reason))


@router.get("/patients/{patient_id}", response={200: PatientConsentsOut, **READ_ERRORS})
def list_patient_consents(request, patient_id: int = PathId):
    """A patient's signed consents with their state now, and what their current plans still need (audited)."""
    summary = access_consents_by_patient_id(request.auth, patient_id)
    return {
        "patient_id": summary.patient.pk,
        "consents": [consent_out(row.consent, row.state) for row in summary.rows],
        "missing": [item.coverage.value for item in summary.missing],
    }


@router.get("/signed/{consent_id}/pdf", response={**READ_ERRORS}, openapi_extra=PDF_RESPONSE)
def download_signed_consent_pdf(request, consent_id: int = PathId):
    consent = access_signed_consent_by_id(request.auth, consent_id, purpose=AuditAction.EXPORT)
    response = HttpResponse(bytes(consent.pdf), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="consent-{consent.pk}.pdf"'
    return response


@router.post("/signed/{consent_id}/revoke", response={201: ConsentRevocationOut, **WRITE_ERRORS})
def revoke_signed_consent(request, payload: ConsentRevokeIn, consent_id: int = PathId):
    """Record the patient's withdrawal of a consent, with the reason (a new record; the consent is kept)."""
    return 201, revocation_out(actions.do_revoke_consent(request.auth, consent_id, reason=payload.reason))
