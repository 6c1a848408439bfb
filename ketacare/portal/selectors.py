"""Portal reads: the signed-in patient's own record (through the patient registry's access rules), a
patient's portal account as staff see it, and whether a patient's portal link can still be used."""

from dataclasses import dataclass
from enum import StrEnum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.invitations import open_invitation
from ketacare.accounts.models import InvitationPurpose, User, hash_secret
from ketacare.accounts.permissions import require_permission
from ketacare.accounts.selectors import SignInFacts, sign_in_facts
from ketacare.clinics.models import ClinicPage, Organisation
from ketacare.clinics.selectors import published_pages
from ketacare.inquiries.models import Inquiry
from ketacare.inquiries.self_registration import read_self_registration_token
from ketacare.patients.models import (
    Allergy,
    AllergyStatus,
    Medication,
    MedicationStatus,
    Patient,
    WeightMeasurement,
)
from ketacare.patients.selectors import access_patient_by_id
from ketacare.portal.models import WRONG_DATES_OF_BIRTH_BEFORE_LOCK, LinkDateOfBirthCheck

RECENT_WEIGHTS = 5


@dataclass(frozen=True)
class OwnRecord:
    patient: Patient
    medications: list[Medication]
    allergies: list[Allergy]
    weights: list[WeightMeasurement]
    pages: list[ClinicPage]


def access_own_record_by_user(user) -> OwnRecord | None:
    """What the portal home shows; None when no patient record is linked to this account.

    The record itself comes through access_patient_by_id, which checks access
    and writes the audit entry for the view.
    """
    require_permission(user, Permission.OWN_RECORD_VIEW)
    try:
        patient_id = user.patient_record.pk
    except Patient.DoesNotExist:
        return None
    patient = access_patient_by_id(user, patient_id)
    return OwnRecord(
        patient=patient,
        medications=list(patient.medications.filter(status=MedicationStatus.ACTIVE)),
        allergies=list(patient.allergies.filter(status=AllergyStatus.ACTIVE)),
        weights=list(patient.weights.all()[:RECENT_WEIGHTS]),
        pages=published_pages(patient.organisation),
    )


# ---------------------------------------------------------------- staff: a patient's portal account


class PortalAccountState(StrEnum):
    NONE = "none"
    INVITED = "invited"  # made by an invitation that has not been used yet
    ACTIVE = "active"
    DEACTIVATED = "deactivated"  # staff ended the access, or withdrew an unused invitation


@dataclass(frozen=True)
class PortalAccount:
    """What staff see of a patient's portal account on the chart."""

    state: PortalAccountState
    user: User | None = None
    sign_in: SignInFacts | None = None  # last sign-in, failed attempts, a pending invitation's expiry

    @property
    def invitation_expired(self) -> bool:
        return (
            self.state == PortalAccountState.INVITED
            and self.sign_in is not None
            and not self.sign_in.invitation_pending
        )


def portal_account_of(viewer, patient: Patient) -> PortalAccount:
    """The portal account of a patient whose record `viewer` has already been given (and its read audited)."""
    require_permission(viewer, Permission.PATIENT_VIEW)
    if viewer.organisation_id != patient.organisation_id:
        raise PermissionDenied("Another organisation's patient")
    account = patient.user  # loaded with the chart's patient (patients.selectors.access_patient_by_id)
    if account is None:
        return PortalAccount(PortalAccountState.NONE)
    if account.is_active:
        state = PortalAccountState.ACTIVE
    elif (
        not account.has_usable_password()
        and account.invitations.filter(
            purpose=InvitationPurpose.PATIENT, used_at__isnull=True, revoked_at__isnull=True
        ).exists()
    ):
        state = PortalAccountState.INVITED
    else:
        state = PortalAccountState.DEACTIVATED
    return PortalAccount(state, account, sign_in_facts([account])[account.pk])


# ---------------------------------------------------------------- the patient's links (public pages)

LOCKED_LINK = (
    f"This link is locked after {WRONG_DATES_OF_BIRTH_BEFORE_LOCK} wrong dates of birth. "
    "Ask the clinic to send you a new one."
)
UNLINKED_INVITATION = "This invitation is no longer linked to a patient record. Ask the clinic to send a new one."


def refuse_locked_link(secret: str) -> None:
    if LinkDateOfBirthCheck.objects.filter(link_sha256=hash_secret(secret), locked_at__isnull=False).exists():
        raise ValidationError({"token": LOCKED_LINK})


def invited_organisation(secret: str) -> Organisation:
    """The clinic whose portal invitation `secret` is, while the link can still be used; otherwise a
    ValidationError on "token" saying plainly why not (the page shows it before asking for anything)."""
    refuse_locked_link(str(secret))
    with transaction.atomic():
        invitation = open_invitation(secret, purpose=InvitationPurpose.PATIENT)
    patient = (
        Patient.objects.select_related("organisation")
        .filter(user_id=invitation.user_id, merged_into__isnull=True)
        .first()
    )
    if patient is None:
        raise ValidationError({"token": UNLINKED_INVITATION})
    return patient.organisation


def self_registration_patient(token: str) -> Patient:
    """The patient record a self-registration link may open an account for, or a ValidationError on
    "token" saying plainly why not (what the page shows before asking for anything)."""
    link = read_self_registration_token(token)
    refuse_locked_link(str(token))
    inquiry = Inquiry.objects.select_related("organisation", "patient").filter(pk=link.inquiry_id).first()
    if inquiry is None:
        raise ValidationError({"token": "This link is not valid. Check that you opened the whole link from the email."})
    if not inquiry.organisation.portal_self_registration:
        raise ValidationError(
            {
                "token": f"{inquiry.organisation.name} does not offer creating a portal account yourself. "
                "Ask the clinic to invite you."
            }
        )
    patient = inquiry.patient
    if patient is None:
        raise ValidationError(
            {
                "token": f"{inquiry.organisation.name} has not registered you as a patient yet. Once they have, "
                "open this link again."
            }
        )
    if patient.merged_into_id is not None or patient.email.lower() != link.email:
        raise ValidationError(
            {"token": "Your patient record has changed since this email was sent. Ask the clinic to invite you."}
        )
    if patient.user_id is not None:
        if patient.user.has_usable_password():
            raise ValidationError(
                {
                    "token": "You already have a portal account. Sign in, or use “Forgot your password?” on the "
                    "sign-in page."
                }
            )
        raise ValidationError(
            {
                "token": "The clinic has invited you to the portal. Use the link in the clinic's most recent email, "
                "or ask the clinic to send a new one."
            }
        )
    return patient
