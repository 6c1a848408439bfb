"""Pages of scheduling, by topic (views/<topic>.py)."""

from django.urls import path, re_path

from ketacare.scheduling.selectors.feeds import TOKEN_PATTERN
from ketacare.scheduling.views import attendance, booking, courses, feeds, resources, waitlist

app_name = "scheduling"
urlpatterns = [
    # Calendars and single bookings
    path("calendar/", booking.calendar_index, name="calendar"),
    path("calendar/locations/<int:pk>/", booking.location_calendar_view, name="location_calendar"),
    path("calendar/staff/<int:pk>/", booking.staff_calendar_view, name="staff_calendar"),
    path("book/", booking.book, name="book"),
    path("book/slots/", booking.book_slots, name="book_slots"),
    path("appointments/<int:pk>/", booking.appointment_detail, name="appointment_detail"),
    path("appointments/<int:pk>/move/", booking.appointment_move, name="appointment_move"),
    path("appointments/<int:pk>/cancel/", booking.appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/check-in/", booking.appointment_check_in, name="appointment_check_in"),
    path("appointments/<int:pk>/nurse/", booking.appointment_nurse, name="appointment_nurse"),
    # Resources (clinic admin)
    path("resources/", resources.resources, name="resources"),
    path("resources/locations/<int:pk>/", resources.location_resources_view, name="location_resources"),
    path("resources/locations/<int:pk>/hours/", resources.opening_hours_set, name="opening_hours_set"),
    path("resources/locations/<int:pk>/closed-dates/", resources.closed_date_add, name="closed_date_add"),
    path("resources/closed-dates/<int:pk>/remove/", resources.closed_date_remove, name="closed_date_remove"),
    path("resources/locations/<int:pk>/chairs/", resources.chair_add, name="chair_add"),
    path("resources/chairs/<int:pk>/", resources.chair_edit, name="chair_edit"),
    path("resources/staff/<int:pk>/", resources.staff_resources_view, name="staff_resources"),
    path("resources/staff/<int:pk>/skills/", resources.staff_skills, name="staff_skills"),
    path("resources/staff/<int:pk>/shifts/", resources.shift_add, name="shift_add"),
    path("resources/shifts/<int:pk>/remove/", resources.shift_remove, name="shift_remove"),
    path("resources/staff/<int:pk>/exceptions/", resources.exception_add, name="exception_add"),
    path("resources/exceptions/<int:pk>/remove/", resources.exception_remove, name="exception_remove"),
    path("resources/types/", resources.type_list, name="type_list"),
    path("resources/types/defaults/", resources.type_defaults, name="type_defaults"),
    path("resources/types/<int:pk>/", resources.type_edit, name="type_edit"),
    path("resources/settings/", resources.settings_view, name="settings"),
    # Whole courses (book from a plan, move one session, cancel the rest)
    path("courses/patients/<int:patient_id>/", courses.patient_courses, name="patient_courses"),
    path("courses/plans/<int:plan_id>/book/", courses.book_course, name="course_book"),
    path("courses/<int:pk>/", courses.course_detail, name="course_detail"),
    path(
        "courses/<int:pk>/sessions/<int:appointment_id>/move/", courses.course_session_move, name="course_session_move"
    ),
    path("courses/<int:pk>/cancel-rest/", courses.course_cancel_rest, name="course_cancel_rest"),
    # The waitlist
    path("waitlist/", waitlist.waitlist, name="waitlist"),
    path("waitlist/add/", waitlist.waitlist_add, name="waitlist_add"),
    path("waitlist/<int:pk>/withdraw/", waitlist.waitlist_withdraw, name="waitlist_withdraw"),
    path("waitlist/schedule/", waitlist.waitlist_schedule, name="waitlist_schedule"),
    # Calendar feeds (public .ics by token; managed by staff and in the portal), the patient's own schedule
    re_path(rf"^feeds/(?P<token>{TOKEN_PATTERN})\.ics$", feeds.feed_ics, name="feed_ics"),
    path("calendar-feed/", feeds.staff_calendar_feed, name="staff_calendar_feed"),
    path("portal/calendar-feed/", feeds.portal_calendar_feed, name="portal_calendar_feed"),
    path("portal/appointments/", feeds.portal_schedule, name="portal_schedule"),
    # Attendance (no-shows, late cancellations)
    path("attendance/patients/<int:patient_id>/", attendance.patient_attendance, name="patient_attendance"),
    path("attendance/appointments/<int:appointment_id>/no-show/", attendance.mark_no_show, name="mark_no_show"),
]
