"""The portal link in a consultation request's confirmation email, for a clinic that lets patients
create their own portal account (Organisation.portal_self_registration).

The link names the request and the address it was mailed to, signed with the site's secret key, so
nobody can make one for another request; it expires after SELF_REGISTRATION_LINK_LIFETIME. It opens an
account only once the clinic has converted the request into a patient record whose email is still
that address, and only after the date of birth on the record is confirmed (portal/actions.py).
"""

import datetime as dt
import logging
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import ValidationError
from django.urls import reverse

from ketacare.accounts.invitations import public_base_url
from ketacare.inquiries.models import Inquiry

logger = logging.getLogger(__name__)

# Long enough for the clinic to call the person back and register them; after that the clinic invites.
SELF_REGISTRATION_LINK_LIFETIME = dt.timedelta(days=30)
_SALT = "ketacare.inquiries.portal-self-registration"


@dataclass(frozen=True)
class SelfRegistrationLink:
    inquiry_id: int
    email: str  # the address the link was mailed to


def self_registration_url(inquiry: Inquiry) -> str:
    """The absolute link for the confirmation email; empty when the site's address is not configured
    (the email then goes without it, and the clinic invites the patient from the chart)."""
    token = signing.dumps({"inquiry": inquiry.pk, "email": inquiry.email.lower()}, salt=_SALT, compress=True)
    try:
        base = public_base_url()
    except ValidationError:
        logger.warning("No portal link in the confirmation email: KETACARE_PUBLIC_URL is not set")
        return ""
    return f"{base}{reverse('portal_accounts:self_register', kwargs={'token': token})}"


def read_self_registration_token(token: str) -> SelfRegistrationLink:
    """The request and address a link names; ValidationError on "token" for a link that was altered,
    cut short or has expired."""
    try:
        payload = signing.loads(str(token), salt=_SALT, max_age=SELF_REGISTRATION_LINK_LIFETIME)
    except signing.SignatureExpired:
        raise ValidationError(
            {"token": "This link has expired. Ask the clinic to invite you to the patient portal."}
        ) from None
    except signing.BadSignature:
        raise ValidationError(
            {"token": "This link is not valid. Check that you opened the whole link from the email."}
        ) from None
    return SelfRegistrationLink(inquiry_id=int(payload["inquiry"]), email=str(payload["email"]))
