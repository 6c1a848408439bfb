"""Pages of whole courses (book from a plan, move one session, cancel the rest) and the waitlist."""

from django.urls import path

from ketacare.scheduling import course_views

urlpatterns = [
    path("courses/patients/<int:patient_id>/", course_views.patient_courses, name="patient_courses"),
    path("courses/plans/<int:plan_id>/book/", course_views.book_course, name="course_book"),
    path("courses/<int:pk>/", course_views.course_detail, name="course_detail"),
    path("courses/<int:pk>/sessions/<int:appointment_id>/move/", course_views.course_session_move,
         name="course_session_move"),
    path("courses/<int:pk>/cancel-rest/", course_views.course_cancel_rest, name="course_cancel_rest"),
    path("waitlist/", course_views.waitlist, name="waitlist"),
    path("waitlist/add/", course_views.waitlist_add, name="waitlist_add"),
    path("waitlist/<int:pk>/withdraw/", course_views.waitlist_withdraw, name="waitlist_withdraw"),
    path("waitlist/schedule/", course_views.waitlist_schedule, name="waitlist_schedule"),
]
