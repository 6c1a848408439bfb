"""Reads for SMART App Launch: the clinic's apps (clinic admins), and the patients a staff member may launch
an app for."""

from django.http import Http404
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.fhir.smart.models import SmartApp
from ketacare.patients.models import Patient


def smart_apps(user) -> list[SmartApp]:
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    return list(SmartApp.objects.filter(organisation_id=user.organisation_id).select_related("application"))


def access_smart_app(user, app_id: int) -> SmartApp:
    """One of the user's clinic's apps; 404 for any other."""
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    smart_app = (
        SmartApp.objects.filter(pk=app_id, organisation_id=user.organisation_id).select_related("application").first()
    )
    if smart_app is None:
        raise Http404("No such app in your clinic.")
    return smart_app


def live_token_count(smart_app: SmartApp) -> int:
    """Access tokens not yet expired plus refresh tokens not revoked: what "revoke" would end."""
    now = timezone.now()
    application = smart_app.application
    return (
        AccessToken.objects.filter(application=application, expires__gt=now).count()
        + RefreshToken.objects.filter(application=application, revoked__isnull=True).count()
    )


def launch_patients(user):
    """The patients a staff member may choose on the consent screen: their clinic's, if their role opens
    patients' records at all (the FHIR Patient resource asks the same permission)."""
    if not user.is_authenticated or not user.is_staff_member or not user.may(Permission.PATIENT_VIEW):
        return Patient.objects.none()
    return Patient.objects.filter(organisation_id=user.organisation_id, merged_into__isnull=True)


def own_record(user) -> Patient | None:
    return Patient.objects.filter(user=user, merged_into__isnull=True).first()
