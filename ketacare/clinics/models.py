import zoneinfo

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(f"{value!r} is not a known IANA time zone (e.g. America/New_York).")


class Organisation(models.Model):
    """A clinic business: owns its locations, staff, patients and public pages.

    Settings that clinics set differently (minimum age, crisis resources) live
    here so a clinic admin changes them without a deploy.
    """

    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=80, unique=True)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(blank=True)
    website = models.URLField(blank=True)
    # Consultation requests from people younger than this are refused. Adult
    # ketamine/esketamine programmes treat adults (Spravato is labelled for adults).
    minimum_age_years = models.PositiveSmallIntegerField(
        default=18, validators=[MinValueValidator(0), MaxValueValidator(120)]
    )
    # 988 Suicide & Crisis Lifeline (US); clinics outside the US set their own.
    crisis_line = models.CharField(max_length=64, default="988")
    crisis_text = models.TextField(
        default=(
            "This form is not for emergencies. If you are thinking about suicide or are in "
            "crisis, call or text 988 (Suicide & Crisis Lifeline, US) or call 911, or go to "
            "the nearest emergency department."
        )
    )
    # Bearer tokens carry no second factor (docs/api.md); a clinic may require that a token be created
    # only from a session that completed two-factor sign-in (accounts/actions.py).
    api_tokens_require_two_factor = models.BooleanField(default=False)
    # Patient portal accounts (portal/actions.py): a consultation request's confirmation email may carry
    # a link to create one once the clinic has registered the person; patients may be made to use TOTP.
    portal_self_registration = models.BooleanField(default=False)
    patients_require_two_factor = models.BooleanField(default=False)
    # Set only on the demo clinic made by `ketacare seed-demo`: the seed its
    # fictional data was drawn from, so a demo can be rebuilt identically.
    demo_seed = models.PositiveIntegerField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Location(models.Model):
    """A clinic site with its own time zone; times are shown in this zone."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=200)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    address = models.TextField(blank=True)
    phone = models.CharField(max_length=32, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="location_unique_name")]

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


class ClinicPage(models.Model):
    """A short public page a clinic admin edits (what the treatment is, safety, ...)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pages")
    slug = models.SlugField(max_length=80)
    title = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text; blank lines separate paragraphs.")
    position = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["organisation", "position", "title"]
        constraints = [models.UniqueConstraint(fields=["organisation", "slug"], name="clinicpage_unique_slug")]

    def __str__(self) -> str:
        return self.title
