"""REST endpoints of scheduling (/api/v1/scheduling), one sub-router per topic."""

from ninja import Router

from ketacare.scheduling import api_booking, api_courses, api_feeds

router = Router(tags=["scheduling"])
router.add_router("", api_booking.router)
router.add_router("/courses", api_courses.router)
router.add_router("", api_feeds.router)
