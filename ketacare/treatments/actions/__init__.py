"""Every write to a treatment session: permission, organisation, status, one transaction, audited.

One module per topic, the same topics as selectors/, views/ and api/: checkin (open the session,
checklist, hold, override, cancel), dosing (dose, waste, administration, devices), monitoring
(vitals, ratings, adverse events), discharge (discharge, signatures, addenda), settings; common.py
is what every step shares. Rules live in domain/. The names below are the app's write interface.
"""

from ketacare.treatments.actions.checkin import (
    do_cancel_session,
    do_complete_prechecks,
    do_override_hold,
    do_record_check,
    do_record_checklist,
    do_start_session,
)
from ketacare.treatments.actions.discharge import do_add_addendum, do_discharge, do_sign_session
from ketacare.treatments.actions.dosing import (
    LEDGER_DRUG,
    do_prepare_dose,
    do_record_device,
    do_start_administration,
    do_stop_administration,
    do_waste_remainder,
    planned_dose,
)
from ketacare.treatments.actions.monitoring import do_record_adverse_event, do_record_rating, do_record_vitals
from ketacare.treatments.actions.settings import SETTINGS_FIELDS, do_update_treatment_settings

__all__ = [
    "LEDGER_DRUG",
    "SETTINGS_FIELDS",
    "do_add_addendum",
    "do_cancel_session",
    "do_complete_prechecks",
    "do_discharge",
    "do_override_hold",
    "do_prepare_dose",
    "do_record_adverse_event",
    "do_record_check",
    "do_record_checklist",
    "do_record_device",
    "do_record_rating",
    "do_record_vitals",
    "do_sign_session",
    "do_start_administration",
    "do_start_session",
    "do_stop_administration",
    "do_update_treatment_settings",
    "do_waste_remainder",
    "planned_dose",
]
