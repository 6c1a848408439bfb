"""The clinic's charting settings: for its settings page, and as each session reads them."""

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.treatments.models import TreatmentSession, TreatmentSettings


def treatment_settings_of(user) -> TreatmentSettings:
    """The user's organisation's settings, for the clinic admin who changes them."""
    require_permission(user, Permission.ORGANISATION_SETTINGS)
    return TreatmentSettings.for_organisation(user.organisation)


def settings_of(session: TreatmentSession) -> TreatmentSettings:
    """The organisation's settings, read once per session object (a page asks several times)."""
    if not hasattr(session, "_treatment_settings"):
        session._treatment_settings = TreatmentSettings.for_organisation(session.organisation)
    return session._treatment_settings
