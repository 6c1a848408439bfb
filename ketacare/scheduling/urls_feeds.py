from django.urls import path, re_path

from ketacare.scheduling import feed_views
from ketacare.scheduling.feeds import TOKEN_PATTERN

# Calendar feeds (public .ics by token; management for staff and in the portal), the patient's own
# schedule, and attendance (no-shows, late cancellations).
urlpatterns = [
    re_path(rf"^feeds/(?P<token>{TOKEN_PATTERN})\.ics$", feed_views.feed_ics, name="feed_ics"),
    path("calendar-feed/", feed_views.staff_calendar_feed, name="staff_calendar_feed"),
    path("portal/calendar-feed/", feed_views.portal_calendar_feed, name="portal_calendar_feed"),
    path("portal/appointments/", feed_views.portal_schedule, name="portal_schedule"),
    path("attendance/patients/<int:patient_id>/", feed_views.patient_attendance, name="patient_attendance"),
    path("attendance/appointments/<int:appointment_id>/no-show/", feed_views.mark_no_show, name="mark_no_show"),
]
