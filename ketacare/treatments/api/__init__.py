"""REST endpoints of treatment sessions (/api/v1/sessions): the same actions and selectors as the pages.

One module per topic, the same topics as actions/, selectors/ and views/, each adding its endpoints
to the one router in common.py when imported.
"""

from importlib import import_module

from ketacare.treatments.api.common import router

# checkin first: Django tries the paths in the order they were added, and its GET /day must be
# matched before chart's GET /{session_id}.
TOPICS = ("checkin", "chart", "monitoring", "dosing", "discharge")
for _topic in TOPICS:
    import_module(f"{__name__}.{_topic}")

__all__ = ["router"]
