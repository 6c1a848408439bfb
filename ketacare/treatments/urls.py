from django.urls import path

from ketacare.treatments import views

app_name = "treatments"
urlpatterns = [
    path("", views.day, name="day"),
    path("settings/", views.settings_page, name="settings"),
    path("start/<int:appointment_id>/", views.start, name="start"),
    path("<int:pk>/", views.session_page, name="session"),
    path("<int:pk>/step/<slug:name>/", views.step, name="step"),
    path("<int:pk>/prompts/", views.prompts, name="prompts"),
    path("<int:pk>/record.pdf", views.record_pdf, name="record_pdf"),
    path("patients/<int:patient_id>/vitals/", views.patient_vitals, name="patient_vitals"),
]
