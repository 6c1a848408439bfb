from django.urls import path

from ketacare.consultations import views

app_name = "consultations"
urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_notes, name="patient_notes"),
    path("patients/<int:patient_id>/new/", views.note_new, name="note_new"),
    path("notes/<int:pk>/", views.note_detail, name="note_detail"),
    path("notes/<int:pk>/sign/", views.note_sign, name="note_sign"),
    path("notes/<int:pk>/addenda/", views.note_addendum, name="note_addendum"),
    path("notes/<int:pk>/note.pdf", views.note_pdf, name="note_pdf"),
]
