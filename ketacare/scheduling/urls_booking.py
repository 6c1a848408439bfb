"""Pages of single bookings, calendars and scheduling resources."""

from django.urls import path

from ketacare.scheduling import views

urlpatterns = [
    path("calendar/", views.calendar_index, name="calendar"),
    path("calendar/locations/<int:pk>/", views.location_calendar_view, name="location_calendar"),
    path("calendar/staff/<int:pk>/", views.staff_calendar_view, name="staff_calendar"),
    path("book/", views.book, name="book"),
    path("appointments/<int:pk>/", views.appointment_detail, name="appointment_detail"),
    path("appointments/<int:pk>/move/", views.appointment_move, name="appointment_move"),
    path("appointments/<int:pk>/cancel/", views.appointment_cancel, name="appointment_cancel"),
    path("appointments/<int:pk>/check-in/", views.appointment_check_in, name="appointment_check_in"),
    path("resources/", views.resources, name="resources"),
    path("resources/locations/<int:pk>/", views.location_resources_view, name="location_resources"),
    path("resources/locations/<int:pk>/hours/", views.opening_hours_set, name="opening_hours_set"),
    path("resources/locations/<int:pk>/closed-dates/", views.closed_date_add, name="closed_date_add"),
    path("resources/closed-dates/<int:pk>/remove/", views.closed_date_remove, name="closed_date_remove"),
    path("resources/locations/<int:pk>/chairs/", views.chair_add, name="chair_add"),
    path("resources/chairs/<int:pk>/", views.chair_edit, name="chair_edit"),
    path("resources/staff/<int:pk>/", views.staff_resources_view, name="staff_resources"),
    path("resources/staff/<int:pk>/skills/", views.staff_skills, name="staff_skills"),
    path("resources/staff/<int:pk>/shifts/", views.shift_add, name="shift_add"),
    path("resources/shifts/<int:pk>/remove/", views.shift_remove, name="shift_remove"),
    path("resources/staff/<int:pk>/exceptions/", views.exception_add, name="exception_add"),
    path("resources/exceptions/<int:pk>/remove/", views.exception_remove, name="exception_remove"),
    path("resources/types/", views.type_list, name="type_list"),
    path("resources/types/defaults/", views.type_defaults, name="type_defaults"),
    path("resources/types/<int:pk>/", views.type_edit, name="type_edit"),
    path("resources/settings/", views.settings_view, name="settings"),
]
