from django.conf import settings
from django.db import models
from oauth2_provider.settings import oauth2_settings


class BackendClient(models.Model):
    """A system a clinic lets read its records through FHIR (SMART Backend Services).

    It authenticates with a JWT signed by a private key whose public half is in `jwks`, and acts as its own
    service account (`service_account`, role backend_service: read-only, never signs in) in `application`,
    the OAuth application its access tokens belong to.
    """

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    client_id = models.CharField(max_length=64, unique=True)
    jwks = models.JSONField(help_text="The client's public keys (a JWK Set)")
    allowed_scopes = models.TextField(help_text="The system/ scopes the client may be granted, space-separated")
    service_account = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="backend_client"
    )
    application = models.OneToOneField(oauth2_settings.APPLICATION_MODEL, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    disabled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None


class UsedAssertion(models.Model):
    """A client assertion's `jti`, kept until the assertion expires so it cannot be replayed."""

    client = models.ForeignKey(BackendClient, on_delete=models.CASCADE, related_name="+")
    jti = models.CharField(max_length=255)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["client", "jti"], name="fhir_backend_jti_once")]
