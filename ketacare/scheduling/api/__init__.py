"""REST endpoints of scheduling (/api/v1/scheduling), one sub-router per topic (api/<topic>.py).

Operation ids are part of the published API (clients generate code from them). Ninja derives
them from the module of each endpoint; the endpoints that moved to a new topic module pin the id
they had, so the split renamed none.
"""

from ninja import Router

from ketacare.scheduling.api import attendance, booking, courses, feeds, resources, waitlist

router = Router(tags=["scheduling"])
router.add_router("", booking.router)
router.add_router("", resources.router)
router.add_router("/courses", courses.router)
router.add_router("/courses", waitlist.router)
router.add_router("", attendance.router)
router.add_router("", feeds.router)
