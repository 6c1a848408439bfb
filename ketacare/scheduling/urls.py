from ketacare.scheduling import urls_booking, urls_courses, urls_feeds

app_name = "scheduling"
# Appointments and resources; whole courses and the waitlist; reminders, feeds and attendance.
urlpatterns = [*urls_booking.urlpatterns, *urls_courses.urlpatterns, *urls_feeds.urlpatterns]
