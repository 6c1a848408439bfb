import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.contrib.sessions.base_session import AbstractBaseSession, BaseSessionManager
from django.db import models
from django.utils import timezone

from ketacare.accounts.domain.roles import ROLE_LABELS, STAFF_ROLES, Permission, Role, role_may
from ketacare.lib.zones import validate_zone_name


class User(AbstractUser):
    """A person who signs in: a staff member of one organisation, or a patient.

    `role` drives every permission through the role matrix
    (accounts/domain/roles.py). Django's own is_staff/is_superuser flags are
    not used for access: there is no admin site.
    """

    ROLE_CHOICES = [(role.value, ROLE_LABELS[role]) for role in Role]

    # Named by label: accounts sits below clinics (ARCHITECTURE.md, floors) and never runs its code.
    organisation = models.ForeignKey(
        "clinics.Organisation", on_delete=models.PROTECT, related_name="users", null=True, blank=True
    )
    role = models.CharField(max_length=20, choices=ROLE_CHOICES)
    title = models.CharField(max_length=80, blank=True, help_text="e.g. RN, MD, NP, LCSW")
    # Where a staff member usually works: their calendar and leave are shown in its zone, and the day
    # list opens on it (ketacare/lib/zones.py). Named by label, like the organisation above.
    home_location = models.ForeignKey(
        "clinics.Location", on_delete=models.SET_NULL, related_name="home_staff", null=True, blank=True
    )
    time_zone = models.CharField(
        max_length=64,
        blank=True,
        validators=[validate_zone_name],
        help_text="The zone pages not about one location show times in; blank: the home location's",
    )
    # The locations a staff member works at (the staff list filters by them); home_location is one of them.
    work_locations = models.ManyToManyField("clinics.Location", blank=True, related_name="staff_members")

    class Meta:
        ordering = ["last_name", "first_name", "username"]

    def __str__(self) -> str:
        full = self.get_full_name()
        return f"{full} ({self.username})" if full else self.username

    @property
    def display_name(self) -> str:
        """The name pages, records and PDFs show: the full name, or the username when none is given."""
        return self.get_full_name() or self.get_username()

    @property
    def is_staff_member(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def role_label(self) -> str:
        # `str in Role` raises TypeError on Python 3.11, so look the value up instead.
        try:
            return Role(self.role).label
        except ValueError:
            return self.role

    def may(self, permission: Permission) -> bool:
        return self.is_active and role_may(self.role, permission)


def hash_secret(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet):
    def active(self):
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the REST API. Only its SHA-256 is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100)
    token_sha256 = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8, help_text="First characters, to tell tokens apart")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def new_secret() -> str:
        return "kc_" + secrets.token_urlsafe(32)

    @staticmethod
    def hash(token: str) -> str:
        return hash_secret(token)


class InvitationPurpose(models.TextChoices):
    STAFF = "staff", "Staff account"
    PATIENT = "patient", "Patient portal account"


class Invitation(models.Model):
    """A one-time link that lets a person set the password of an account made for them (a new staff
    member, a patient's portal account). Only the SHA-256 of the link's secret is stored; the link
    expires (KETACARE_INVITATION_HOURS), is used once, and a newer one for the same user and purpose
    replaces it (accounts/invitations.py)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    purpose = models.CharField(max_length=10, choices=InvitationPurpose.choices)
    token_sha256 = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["user", "purpose"])]

    def __str__(self) -> str:
        return f"{self.get_purpose_display()} invitation for {self.user}"


class UserSessionManager(BaseSessionManager):
    def get_queryset(self):
        # The session and its user in one round trip (accounts/sessions.py): every signed-in request reads both.
        return super().get_queryset().select_related("user__organisation", "user__home_location")


class UserSession(AbstractBaseSession):
    """A browser session (settings.SESSION_ENGINE = ketacare.accounts.sessions), Django's session row plus the
    signed-in user's id, so that a request loads its session and its user together, and ending a user's
    sessions (accounts/invitations.py end_sessions) deletes by an index instead of decoding every session."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, null=True, blank=True, related_name="+")

    objects = UserSessionManager()

    @classmethod
    def get_session_store_class(cls):
        from ketacare.accounts.sessions import SessionStore

        return SessionStore
