from django.urls import path

from ketacare.treatments.views import chart, checkin, monitoring, settings

app_name = "treatments"
urlpatterns = [
    path("", checkin.day, name="day"),
    path("settings/", settings.settings_page, name="settings"),
    path("start/<int:appointment_id>/", checkin.start, name="start"),
    path("<int:pk>/", chart.session_page, name="session"),
    path("<int:pk>/step/<slug:name>/", chart.step, name="step"),
    path("<int:pk>/prompts/", monitoring.prompts, name="prompts"),
    path("<int:pk>/record.pdf", chart.record_pdf, name="record_pdf"),
    path("patients/<int:patient_id>/vitals/", monitoring.patient_vitals, name="patient_vitals"),
]
