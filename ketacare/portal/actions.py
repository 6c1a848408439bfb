"""Patient portal accounts: staff invite a patient from the chart, the patient activates the account
from the mailed link (date of birth, then a password), or creates it from a consultation request's
confirmation email where the clinic allows it; staff end and restore a patient's access.

A portal account is a User with the patient role, bound to exactly one patient record (Patient.user,
one-to-one). Its username is its email address, lower-cased. States (selectors.PortalAccount):
invited (inactive, no password yet, an open invitation), active, deactivated (inactive; a password set
earlier is kept, so reactivating restores it).

The date of birth is what a link's holder must know besides the link: a wrong one is refused, counted
(LinkDateOfBirthCheck, committed even though the attempt itself is refused) and audited, and the link is
locked after WRONG_DATES_OF_BIRTH_BEFORE_LOCK.
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from ketacare.accounts.actions import check_new_password
from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.invitations import end_access, invitation_url, issue_invitation, open_invitation, use_invitation
from ketacare.accounts.models import InvitationPurpose, User, hash_secret
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.inquiries.self_registration import read_self_registration_token
from ketacare.lib.ids import db_id_or_zero
from ketacare.lib.text import clean_reason, clean_text
from ketacare.outbox.actions import enqueue_email
from ketacare.outbox.models import MailKind
from ketacare.patients.models import Patient
from ketacare.portal.models import WRONG_DATES_OF_BIRTH_BEFORE_LOCK, LinkDateOfBirthCheck
from ketacare.portal.selectors import LOCKED_LINK, UNLINKED_INVITATION, refuse_locked_link, self_registration_patient


class _WrongDateOfBirth(Exception):
    """Raised by an activation's checks before anything is written; counted in the same transaction."""

    def __init__(self, link_secret: str, user: User | None, patient: Patient):
        super().__init__("wrong date of birth")
        self.link_sha256 = hash_secret(link_secret)
        self.user = user
        self.patient = patient


# ---------------------------------------------------------------- staff: invite, end and restore access


def _patient_for_update(actor, patient_id) -> Patient:
    """A live record of the actor's organisation, locked; any other id is a 404, as for one that does not exist."""
    require_permission(actor, Permission.PORTAL_ACCOUNTS_MANAGE)
    patient = (
        Patient.objects.select_for_update(of=("self",))
        .select_related("organisation", "user")
        .filter(pk=db_id_or_zero(patient_id), organisation_id=actor.organisation_id, merged_into__isnull=True)
        .first()
    )
    if actor.organisation_id is None or patient is None:
        raise Http404("No such patient")
    return patient


def _portal_address(email: object, *, account: User | None) -> str:
    address = clean_text("email", email, required=True, max_chars=254).lower()
    try:
        validate_email(address)
    except ValidationError:
        raise ValidationError({"email": "Enter a valid email address."}) from None
    others = User.objects.filter(username__iexact=address)
    if account is not None:
        others = others.exclude(pk=account.pk)
    if others.exists():
        raise ValidationError(
            {"email": "Another account already signs in with this email address. Use another address for the portal."}
        )
    return address


def _mail_invitation(patient: Patient, account: User, secret: str) -> None:
    organisation = patient.organisation
    body = render_to_string(
        "portal/email/invitation.txt",
        {
            "first_name": patient.preferred_name or patient.first_name,
            "org": organisation,
            "username": account.username,
            "link": invitation_url(secret, purpose=InvitationPurpose.PATIENT),
            "hours": int(settings.KETACARE_INVITATION_LIFETIME.total_seconds() // 3600),
        },
    )
    enqueue_email(
        organisation,
        account.email,
        f"Your patient portal account at {organisation.name}",
        body,
        kind=MailKind.INVITATION,
        reference=f"accounts.user:{account.pk}",
    )


def _has_open_invitation(account: User) -> bool:
    return account.invitations.filter(
        purpose=InvitationPurpose.PATIENT, used_at__isnull=True, revoked_at__isnull=True
    ).exists()


@transaction.atomic
def do_invite_patient_to_portal(actor, patient_id, *, email: str) -> User:
    """Make the patient's portal account (inactive until activated) and mail a one-time, expiring link.
    Inviting again before activation sends a new link (the earlier one stops working) and may change
    the address; a record whose account was activated is refused: it is active, or reactivated instead."""
    patient = _patient_for_update(actor, patient_id)
    account = patient.user
    if account is not None and account.is_active:
        raise ValidationError(
            {"email": f"{patient.full_name} already has an active portal account ({account.username})."}
        )
    if account is not None and account.has_usable_password():
        raise ValidationError(
            {"email": f"{patient.full_name}'s portal account was deactivated. Reactivate it instead of inviting again."}
        )
    address = _portal_address(email, account=account)
    again = account is not None
    if account is None:
        account = User(
            username=address,
            email=address,
            first_name=patient.first_name,
            last_name=patient.last_name,
            organisation=patient.organisation,
            role=Role.PATIENT.value,
            is_active=False,
        )
        account.set_unusable_password()
        account.save()
        patient.user = account
        patient.save(update_fields=["user", "updated_at"])
    elif account.username != address:
        account.username = account.email = address
        account.save(update_fields=["username", "email"])
    secret = issue_invitation(account, purpose=InvitationPurpose.PATIENT, created_by=actor)
    _mail_invitation(patient, account, secret)
    record_event(
        actor,
        AuditAction.SECURITY,
        account,
        patient=patient,
        detail={"event": "portal_invitation_resent" if again else "portal_invited"},
    )
    return account


@transaction.atomic
def do_deactivate_portal_account(actor, patient_id, *, reason: str) -> User:
    """End the patient's portal access at once (open sessions, an unused invitation); the record stays."""
    patient = _patient_for_update(actor, patient_id)
    reason = clean_reason(reason)
    account = patient.user
    if account is None:
        raise ValidationError({"user": f"{patient.full_name} has no portal account."})
    if not account.is_active and not _has_open_invitation(account):
        raise ValidationError({"user": f"{patient.full_name}'s portal account is already deactivated."})
    end_access(account)
    record_event(
        actor, AuditAction.SECURITY, account, patient=patient, detail={"event": "portal_deactivated", "reason": reason}
    )
    return account


@transaction.atomic
def do_reactivate_portal_account(actor, patient_id) -> User:
    """The patient may sign in again with the password they had."""
    patient = _patient_for_update(actor, patient_id)
    account = patient.user
    if account is None:
        raise ValidationError({"user": f"{patient.full_name} has no portal account."})
    if account.is_active:
        raise ValidationError({"user": f"{patient.full_name}'s portal account is active."})
    if not account.has_usable_password():
        raise ValidationError(
            {"user": f"{patient.full_name} never activated the portal account: send a new invitation instead."}
        )
    account.is_active = True
    account.save(update_fields=["is_active"])
    record_event(actor, AuditAction.SECURITY, account, patient=patient, detail={"event": "portal_reactivated"})
    return account


# ---------------------------------------------------------------- the patient: activation and self-registration


def _check_date_of_birth(secret: str, date_of_birth: object, user: User | None, patient: Patient) -> None:
    if not isinstance(date_of_birth, dt.date) or isinstance(date_of_birth, dt.datetime):
        raise ValidationError({"date_of_birth": "Enter your date of birth."})
    if date_of_birth != patient.date_of_birth:
        raise _WrongDateOfBirth(secret, user, patient)


def _count_wrong_date_of_birth(wrong: _WrongDateOfBirth) -> ValidationError:
    """Count one wrong date of birth for the link, audit it, lock the link at the limit, and say how many
    tries are left."""
    check, _ = LinkDateOfBirthCheck.objects.get_or_create(link_sha256=wrong.link_sha256)
    check = LinkDateOfBirthCheck.objects.select_for_update().get(pk=check.pk)
    check.wrong_dates_of_birth += 1
    if check.wrong_dates_of_birth >= WRONG_DATES_OF_BIRTH_BEFORE_LOCK:
        check.locked_at = timezone.now()
    check.save(update_fields=["wrong_dates_of_birth", "locked_at"])
    record_event(
        None,
        AuditAction.SECURITY,
        wrong.user or wrong.patient,
        patient=wrong.patient,
        detail={"event": "portal_wrong_date_of_birth", "wrong": check.wrong_dates_of_birth, "locked": check.is_locked},
    )
    if check.is_locked:
        return ValidationError(
            {"date_of_birth": f"That date of birth does not match the clinic's record. {LOCKED_LINK}"}
        )
    left = WRONG_DATES_OF_BIRTH_BEFORE_LOCK - check.wrong_dates_of_birth
    return ValidationError(
        {
            "date_of_birth": "That date of birth does not match the clinic's record. "
            f"Check it and try again ({left} {'try' if left == 1 else 'tries'} left before this link is locked)."
        }
    )


def _counting_wrong_dates_of_birth(activation):
    """Run `activation` in one transaction. A wrong date of birth (raised before it writes anything) is
    counted in that same transaction, which commits, and then refused. The activation has locked the
    invitation or the patient row before it reads the count, so parallel guesses on one link queue up
    behind each other and cannot pass the lock together."""
    with transaction.atomic():
        try:
            return activation()
        except _WrongDateOfBirth as wrong:
            refusal = _count_wrong_date_of_birth(wrong)
    raise refusal


def do_activate_portal_account(secret: str, *, date_of_birth, password: str, password_again: str) -> User:
    """The invited patient confirms their date of birth and chooses a password: the account becomes
    active and the link is spent. No actor: the link is the authority (public page)."""

    def activate() -> User:
        invitation = open_invitation(secret, purpose=InvitationPurpose.PATIENT)  # locked for the attempt
        refuse_locked_link(str(secret))
        account = invitation.user
        patient = Patient.objects.select_related("organisation").filter(user=account).first()
        if patient is None or patient.merged_into_id is not None:
            raise ValidationError({"token": UNLINKED_INVITATION})
        _check_date_of_birth(str(secret), date_of_birth, account, patient)
        check_new_password(account, password, password_again, field="password", again_field="password_again")
        account.set_password(password)
        account.is_active = True
        account.save(update_fields=["password", "is_active"])
        use_invitation(invitation)
        record_event(None, AuditAction.SECURITY, account, patient=patient, detail={"event": "portal_activated"})
        return account

    return _counting_wrong_dates_of_birth(activate)


def do_register_portal_account(token: str, *, date_of_birth, password: str, password_again: str) -> User:
    """Self-registration: the person who sent a consultation request, now a patient, confirms their date of
    birth and chooses a password; the account (username: the address the link was mailed to) is bound
    to that record. Works once: afterwards the record has an account."""

    def register() -> User:
        link = read_self_registration_token(token)
        patient = self_registration_patient(token)
        patient = Patient.objects.select_for_update(of=("self",)).select_related("organisation").get(pk=patient.pk)
        refuse_locked_link(str(token))  # again, now that the record is locked for this attempt
        if patient.user_id is not None:  # registered by a parallel request since it was read
            raise ValidationError({"token": "You already have a portal account. Sign in."})
        _check_date_of_birth(str(token), date_of_birth, None, patient)
        account = User(
            username=_portal_address(link.email, account=None),
            email=link.email,
            first_name=patient.first_name,
            last_name=patient.last_name,
            organisation=patient.organisation,
            role=Role.PATIENT.value,
        )
        check_new_password(account, password, password_again, field="password", again_field="password_again")
        account.set_password(password)
        account.save()
        patient.user = account
        patient.save(update_fields=["user", "updated_at"])
        record_event(None, AuditAction.SECURITY, account, patient=patient, detail={"event": "portal_self_registered"})
        return account

    return _counting_wrong_dates_of_birth(register)
