from django.conf import settings
from django.db import models


class SmartApp(models.Model):
    """A SMART app one clinic registered: django-oauth-toolkit's Application (client id, hashed secret,
    redirect URIs, public or confidential) plus the clinic it belongs to and the scopes it may be granted.
    Only that clinic's users may authorize it."""

    application = models.OneToOneField(
        "oauth2_provider.Application", on_delete=models.CASCADE, related_name="smart_app"
    )
    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    allowed_scopes = models.TextField(help_text="The scopes the app may ask for, space-separated")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["application__name", "pk"]

    def __str__(self) -> str:
        return self.application.name


class SmartLaunch(models.Model):
    """What an authorization carries beyond its scopes: the patient a staff member chose for a patient-level
    launch, and the browser session that authorized an `online_access` grant. It follows the authorization code
    to the access token and to every refreshed token, so a token always reads that patient's compartment only
    (a patient user's own record needs no row: it is theirs), and a refresh works only while that session is
    signed in (fhir/smart/oauth.py). An authorization with neither has no row."""

    application = models.ForeignKey("oauth2_provider.Application", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    patient = models.ForeignKey("patients.Patient", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    # The key of the session that authorized online_access (empty: the grant outlives sessions).
    session_key = models.CharField(max_length=40, blank=True)
    code = models.CharField(max_length=255, db_index=True)
    access_token = models.OneToOneField(
        "oauth2_provider.AccessToken",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="smart_launch",
    )
    refresh_token = models.OneToOneField(
        "oauth2_provider.RefreshToken",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="smart_launch",
    )
    created_at = models.DateTimeField(auto_now_add=True)
