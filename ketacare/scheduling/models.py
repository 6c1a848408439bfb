from django.db import models

from ketacare.clinics.models import Location


class Chair(models.Model):
    """A treatment chair or room at a location, and which treatments it supports."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="chairs")
    name = models.CharField(max_length=100)
    supports_iv = models.BooleanField(default=True, help_text="Has an infusion pump")
    supports_esketamine = models.BooleanField(default=False, help_text="Suitable for 2-hour esketamine observation")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="chair_unique_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"
