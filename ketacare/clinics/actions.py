"""Every write to an organisation's settings and public pages: one transaction, one audit entry."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.text import slugify

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.clinics.models import ClinicPage, Organisation
from ketacare.clinics.selectors import access_outgoing_message_by_id
from ketacare.lib.phones import normalise_phone
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
