"""Access-checked reads of treatment sessions: the day list, one session's chart, a patient's history.

One module per topic, the same topics as actions/, views/ and api/: chart (the access choke point),
checkin, monitoring, discharge, settings. The names below are the app's read interface.
"""

from ketacare.treatments.selectors.chart import access_session_by_id, visible_sessions
from ketacare.treatments.selectors.checkin import (
    ROUTE_BY_KIND,
    DayRow,
    access_location_by_id,
    day_list,
    locations_of,
    required_checks_of,
    thresholds_of,
)
from ketacare.treatments.selectors.discharge import (
    discharge_gaps,
    discharge_range_of,
    min_observation_of,
    observation_start_of,
)
from ketacare.treatments.selectors.monitoring import minutes_since_start, sessions_of_patient, vital_schedule
from ketacare.treatments.selectors.settings import settings_of, treatment_settings_of

__all__ = [
    "ROUTE_BY_KIND",
    "DayRow",
    "access_location_by_id",
    "access_session_by_id",
    "day_list",
    "discharge_gaps",
    "discharge_range_of",
    "locations_of",
    "min_observation_of",
    "observation_start_of",
    "minutes_since_start",
    "required_checks_of",
    "sessions_of_patient",
    "settings_of",
    "thresholds_of",
    "treatment_settings_of",
    "visible_sessions",
    "vital_schedule",
]
