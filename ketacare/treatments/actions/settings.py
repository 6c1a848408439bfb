"""The clinic's charting settings (vital-check tolerance, observation minimums, discharge limits)."""

from django.db import transaction

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import require_permission
from ketacare.clinics.settings_rows import update_organisation_settings
from ketacare.treatments.models import TreatmentSettings

SETTINGS_FIELDS = (
    "vitals_tolerance_min",
    "esketamine_min_observation_min",
    "post_dose_observation_min",
    "discharge_max_heart_rate_bpm",
    "discharge_min_spo2_percent",
    "pregnancy_test_required",
    "risk_lookback_days",
)


@transaction.atomic
def do_update_treatment_settings(actor, **values) -> TreatmentSettings:
    """A clinic admin changes the organisation's charting settings (esketamine observation ≥ 120 min)."""
    require_permission(actor, Permission.ORGANISATION_SETTINGS)
    return update_organisation_settings(actor, TreatmentSettings, SETTINGS_FIELDS, values)
