from django.urls import path

from ketacare.rems import views

app_name = "rems"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("certifications/", views.certifications, name="certifications"),
    path("certifications/<int:pk>/withdraw/", views.certification_withdraw, name="certification_withdraw"),
    path("patients/<int:patient_id>/", views.patient, name="patient"),
    path("patients/<int:patient_id>/withdraw/", views.enrollment_withdraw, name="enrollment_withdraw"),
    path("sessions/<int:session_id>/form/", views.form_from_session, name="form_from_session"),
    path("forms/<int:pk>/", views.form_detail, name="form_detail"),
    path("forms/<int:pk>/finalise/", views.form_finalise, name="form_finalise"),
    path("forms/<int:pk>/refill/", views.form_refill, name="form_refill"),
    path("forms/<int:pk>/submitted/", views.form_submitted, name="form_submitted"),
    path("forms/<int:pk>/pdf/", views.form_pdf, name="form_pdf"),
]
