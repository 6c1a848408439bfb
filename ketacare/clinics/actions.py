"""Every write to an organisation's settings, locations and public pages: one transaction, one audit entry."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email, validate_slug
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from ketacare.accounts.domain.roles import Permission, Role
from ketacare.accounts.invitations import invitation_url, issue_invitation, public_base_url
from ketacare.accounts.models import InvitationPurpose, User
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.hooks import BlockingItem, location_archive_blockers
from ketacare.clinics.models import ClinicPage, Location, Organisation
from ketacare.clinics.selectors import access_location_for_managing_by_id, access_outgoing_message_by_id
from ketacare.lib.phones import normalise_phone
from ketacare.lib.text import clean_text
from ketacare.lib.zones import is_known_zone
from ketacare.outbox.actions import retry_now
from ketacare.outbox.models import OutgoingMessage

PAGE_FIELDS = ("title", "slug", "body", "position", "is_published")
SETTINGS_FIELDS = (
    "name",
    "phone",
    "email",
    "website",
    "minimum_age_years",
    "crisis_line",
    "crisis_text",
    "api_tokens_require_two_factor",
    "portal_self_registration",
    "patients_require_two_factor",
)
# /c/<org>/request/ is the consultation request form; a page there would be unreachable.
RESERVED_PAGE_SLUGS = frozenset({"request"})


def _require_own_organisation(actor, organisation: Organisation) -> None:
    if actor.organisation_id is None or actor.organisation_id != organisation.pk:
        raise PermissionDenied("Staff change only their own organisation")


@transaction.atomic
def do_save_clinic_page(actor, *, organisation: Organisation, page: ClinicPage | None = None, **fields) -> ClinicPage:
    """Create a public page (page=None) or change one; `fields` are PAGE_FIELDS.

    A blank slug is made from the title. Bad input raises ValidationError naming
    the field, and nothing is written.
    """
    require_permission(actor, Permission.CLINIC_PAGES_EDIT)
    _require_own_organisation(actor, organisation)
    unknown = set(fields) - set(PAGE_FIELDS)
    if unknown:
        raise TypeError(f"Not page fields: {', '.join(sorted(unknown))}")
    creating = page is None
    if creating:
        page = ClinicPage(organisation=organisation)
    else:
        # A fresh, locked copy: a failed validation must not leave the caller's object half-changed.
        page = ClinicPage.objects.select_for_update().filter(pk=page.pk, organisation=organisation).first()
        if page is None:
            raise PermissionDenied("This page belongs to another organisation")

    if creating or "slug" in fields:
        fields["slug"] = (fields.get("slug") or "").strip() or slugify(fields.get("title", page.title))
    changed = [name for name, value in fields.items() if getattr(page, name) != value]
    if not (creating or changed):
        return page
    for name in changed:
        setattr(page, name, fields[name])

    duplicate = ValidationError({"slug": f"Another page of your clinic already uses the address “{page.slug}”."})
    if page.slug in RESERVED_PAGE_SLUGS:
        raise ValidationError({"slug": f"“{page.slug}” is used by the consultation request form; choose another."})
    if ClinicPage.objects.filter(organisation=organisation, slug=page.slug).exclude(pk=page.pk).exists():
        raise duplicate
    # Uniqueness was checked just above with a message naming the field.
    page.full_clean(validate_constraints=False)
    try:
        # Savepoint: a page saved at the same moment with the same slug loses the
        # race to the database constraint and gets the same message.
        with transaction.atomic():
            if creating:
                page.save(force_insert=True)
            else:
                page.save(update_fields=[*changed, "updated_at"])
    except IntegrityError:
        raise duplicate from None

    record_event(
        actor,
        AuditAction.CREATE if creating else AuditAction.UPDATE,
        page,
        organisation=organisation,
        detail={"slug": page.slug, "changed": changed},
    )
    return page


def _check_phone(value: str) -> None:
    # Validated, but kept as the admin typed it: it is shown to the public as written.
    try:
        normalise_phone(value)
    except ValueError:
        raise ValidationError({"phone": "Enter a phone number with its area code, e.g. (503) 555-0100."}) from None


@transaction.atomic
def do_update_organisation_settings(actor, organisation: Organisation, **fields) -> Organisation:
    """Change the clinic-level settings a clinic admin owns; `fields` are SETTINGS_FIELDS."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    _require_own_organisation(actor, organisation)
    unknown = set(fields) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"Not organisation settings: {', '.join(sorted(unknown))}")
    # Work on a fresh copy: a failed validation must not leave the caller's object half-changed.
    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changed = [name for name, value in fields.items() if getattr(current, name) != value]
    if not changed:
        return current
    before = {name: getattr(current, name) for name in changed}
    for name in changed:
        setattr(current, name, fields[name])
    if "phone" in changed:
        _check_phone(current.phone)
    current.full_clean(exclude=["slug"])
    current.save(update_fields=changed)
    record_event(
        actor,
        AuditAction.UPDATE,
        current,
        organisation=current,
        detail={"changed": {name: [before[name], fields[name]] for name in changed}},
    )
    return current


@transaction.atomic
def do_retry_outgoing_message(actor, message_id: int) -> OutgoingMessage:
    """Staff pressed "retry now" on a retrying or failed email: the next dispatch sends it (audited)."""
    message = retry_now(access_outgoing_message_by_id(actor, message_id))
    record_event(
        actor,
        AuditAction.STATUS_CHANGE,
        message,
        organisation=actor.organisation,
        detail={"retry_now": True, "kind": message.kind, "attempts": message.attempts},
    )
    return message


# ---- locations ----------------------------------------------------------------------------------

LOCATION_FIELDS = ("name", "address", "time_zone", "phone")
LOCATION_NAME_MAX_CHARS = Location._meta.get_field("name").max_length
# A refusal's message names the first few appointments still to come; the page and the API list them all.
LISTED_IN_MESSAGE = 5


class LocationInUse(ValidationError):
    """A location cannot be archived (or change its zone) while something is still planned there;
    `blocking` lists what, each with the page where staff move or cancel it."""

    def __init__(self, field: str, message: str, blocking: list[BlockingItem]):
        listed = "; ".join(item.label for item in blocking[:LISTED_IN_MESSAGE])
        more = f" and {len(blocking) - LISTED_IN_MESSAGE} more" if len(blocking) > LISTED_IN_MESSAGE else ""
        super().__init__({field: f"{message} ({len(blocking)} still to come: {listed}{more})."})
        self.blocking = blocking


def _clean_location_fields(organisation_id: int, fields: dict, *, location_id: int | None = None) -> dict:
    """LOCATION_FIELDS checked and stripped; ValidationError naming the field, nothing written."""
    unknown = set(fields) - set(LOCATION_FIELDS)
    if unknown:
        raise TypeError(f"Not location fields: {', '.join(sorted(unknown))}")
    cleaned = {}
    if "name" in fields:
        name = clean_text("name", fields["name"], required=True, max_chars=LOCATION_NAME_MAX_CHARS)
        taken = Location.objects.filter(organisation_id=organisation_id, name__iexact=name).exclude(pk=location_id)
        if taken.exists():
            raise ValidationError({"name": f"Your clinic already has a location called “{name}”."})
        cleaned["name"] = name
    if "address" in fields:
        cleaned["address"] = clean_text("address", fields["address"])
    if "time_zone" in fields:
        zone = clean_text("time_zone", fields["time_zone"], required=True, max_chars=64)
        if not is_known_zone(zone):
            raise ValidationError(
                {"time_zone": f"“{zone}” is not a known time zone; choose one such as America/Chicago."}
            )
        cleaned["time_zone"] = zone
    if "phone" in fields:
        phone = clean_text("phone", fields["phone"], max_chars=32)
        if phone:
            _check_phone(phone)
        cleaned["phone"] = phone
    return cleaned


def _save_location(location: Location, *, creating: bool, changed: list[str]) -> None:
    try:
        # Savepoint: a location saved at the same moment with the same name loses the race to the
        # database constraint and gets the same message as the check above.
        with transaction.atomic():
            if creating:
                location.save(force_insert=True)
            else:
                location.save(update_fields=changed)
    except IntegrityError:
        raise ValidationError({"name": f"Your clinic already has a location called “{location.name}”."}) from None


def _create_location(actor, organisation: Organisation, *, via: str = "", **fields) -> Location:
    cleaned = _clean_location_fields(organisation.pk, {"address": "", "phone": "", **fields})
    location = Location(organisation=organisation, **cleaned)
    _save_location(location, creating=True, changed=[])
    detail = {"fields": cleaned, **({"via": via} if via else {})}
    record_event(actor, AuditAction.CREATE, location, organisation=organisation, detail=detail)
    return location


@transaction.atomic
def do_create_location(actor, *, name: str, time_zone: str, address: str = "", phone: str = "") -> Location:
    """A new location of the clinic admin's organisation (open at once; its hours, chairs and staff are
    set up on the scheduling, ledger and REMS pages its page links to)."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    organisation = Organisation.objects.filter(pk=actor.organisation_id).first()
    if organisation is None:
        raise PermissionDenied("Staff add locations only to their own organisation")
    return _create_location(actor, organisation, name=name, time_zone=time_zone, address=address, phone=phone)


def _locked_location(actor, location_id: int) -> Location:
    access_location_for_managing_by_id(actor, location_id)  # the permission, and another clinic's is a 404
    return Location.objects.select_for_update().select_related("organisation").get(pk=location_id)


def _refuse_if_in_use(location: Location, field: str, message: str) -> None:
    blocking = location_archive_blockers(location)
    if blocking:
        raise LocationInUse(field, message, blocking)


@transaction.atomic
def do_update_location(actor, location_id: int, **fields) -> Location:
    """Change a location's name, address, time zone or phone (`fields` are LOCATION_FIELDS).

    The zone is refused while appointments are still to come there: opening hours and shifts are kept in
    local time, so a new zone would silently move every one of them."""
    location = _locked_location(actor, location_id)
    cleaned = _clean_location_fields(location.organisation_id, fields, location_id=location.pk)
    changed = [name for name, value in cleaned.items() if getattr(location, name) != value]
    if not changed:
        return location
    if "time_zone" in changed:
        _refuse_if_in_use(
            location, "time_zone", f"{location.name}'s time zone cannot change while appointments are booked there"
        )
    before = {name: getattr(location, name) for name in changed}
    for name in changed:
        setattr(location, name, cleaned[name])
    _save_location(location, creating=False, changed=changed)
    record_event(
        actor,
        AuditAction.UPDATE,
        location,
        organisation=location.organisation,
        detail={"changed": {name: [before[name], cleaned[name]] for name in changed}},
    )
    return location


@transaction.atomic
def do_archive_location(actor, location_id: int) -> Location:
    """Close a location: it leaves the booking pages, the public page and every location choice; its
    records stay. Refused while appointments are still to come there (listed, to move or cancel first),
    and for the clinic's last open location."""
    location = _locked_location(actor, location_id)
    if not location.is_active:
        return location
    _refuse_if_in_use(location, "location", f"{location.name} cannot be archived while appointments are booked there")
    others_open = Location.objects.filter(organisation_id=location.organisation_id, is_active=True).exclude(
        pk=location.pk
    )
    if not others_open.exists():
        raise ValidationError({"location": f"{location.name} is the clinic's only open location; add another first."})
    location.is_active = False
    location.save(update_fields=["is_active"])
    record_event(
        actor, AuditAction.STATUS_CHANGE, location, organisation=location.organisation, detail={"is_active": False}
    )
    return location


@transaction.atomic
def do_reopen_location(actor, location_id: int) -> Location:
    """Open an archived location again (its hours, chairs and shifts are as they were)."""
    location = _locked_location(actor, location_id)
    if location.is_active:
        return location
    location.is_active = True
    location.save(update_fields=["is_active"])
    record_event(
        actor, AuditAction.STATUS_CHANGE, location, organisation=location.organisation, detail={"is_active": True}
    )
    return location


# ---- a new clinic (the first run) --------------------------------------------------------------


@dataclass(frozen=True)
class NewClinic:
    organisation: Organisation
    location: Location
    admin: User
    invitation_link: str  # one-time: the admin sets their password there


def create_organisation_with_location(
    *, name: str, slug: str, time_zone: str, location_name: str, via: str
) -> tuple[Organisation, Location]:
    """A new organisation and its first location, for the server's operator (commands; no actor yet, so each
    audit entry says `via`). Call inside a transaction: a ValidationError names the field (the location's
    name as `location_name`) and the caller's rollback leaves nothing."""
    name = clean_text("name", name, required=True, max_chars=Organisation._meta.get_field("name").max_length)
    slug = clean_text("slug", slug, required=True, max_chars=Organisation._meta.get_field("slug").max_length)
    try:
        validate_slug(slug)
        if slug != slug.lower():
            raise ValidationError("upper case")
    except ValidationError:
        raise ValidationError(
            {"slug": "Use lower-case letters, numbers and hyphens only, e.g. harbor-clinic."}
        ) from None
    if Organisation.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An organisation with the address “{slug}” already exists."})
    organisation = Organisation(name=name, slug=slug)
    organisation.full_clean()
    organisation.save()
    record_event(None, AuditAction.CREATE, organisation, organisation=organisation, detail={"via": via})
    try:
        location = _create_location(None, organisation, name=location_name, time_zone=time_zone, via=via)
    except ValidationError as exc:
        raise ValidationError(
            {"location_name" if field == "name" else field: messages for field, messages in exc.message_dict.items()}
        ) from None
    return organisation, location


@transaction.atomic
def do_create_organisation(
    *,
    name: str,
    slug: str,
    time_zone: str,
    location_name: str,
    admin_email: str,
    admin_first_name: str = "",
    admin_last_name: str = "",
    via: str = "ketacare create_organisation",
) -> NewClinic:
    """A real clinic's first run: the organisation, its first location and its first clinic admin, who
    gets a one-time link to set their password (and enrol two-factor). Everything after is done in the
    pages by that admin. There is no actor yet: only the server's operator (a command) calls this, and
    each row's audit entry says `via`. Bad input raises ValidationError naming the field; nothing is written.
    """
    admin_email = clean_text("admin_email", admin_email, required=True, max_chars=254).lower()
    try:
        validate_email(admin_email)
    except ValidationError:
        raise ValidationError({"admin_email": f"“{admin_email}” is not an email address."}) from None
    if User.objects.filter(username=admin_email).exists():
        raise ValidationError({"admin_email": f"An account for {admin_email} already exists."})
    first_name = clean_text("admin_first_name", admin_first_name, max_chars=150)
    last_name = clean_text("admin_last_name", admin_last_name, max_chars=150)
    # The link needs the site's address; without it, stop before anything is written.
    public_base_url()

    organisation, location = create_organisation_with_location(
        name=name, slug=slug, time_zone=time_zone, location_name=location_name, via=via
    )
    # Inactive until the admin sets a password through the link (accounts' invitation acceptance).
    admin = User(
        username=admin_email,
        email=admin_email,
        first_name=first_name,
        last_name=last_name,
        role=Role.CLINIC_ADMIN.value,
        organisation=organisation,
        home_location=location,
        is_active=False,
    )
    admin.set_unusable_password()
    admin.save()
    admin.work_locations.add(location)
    record_event(None, AuditAction.CREATE, admin, organisation=organisation, detail={"via": via, "role": admin.role})
    secret = issue_invitation(admin, purpose=InvitationPurpose.STAFF, created_by=None)
    return NewClinic(organisation, location, admin, invitation_url(secret, purpose=InvitationPurpose.STAFF))
