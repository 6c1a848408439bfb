from django.urls import path

from ketacare.therapy import views

app_name = "therapy"
urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_notes, name="patient_notes"),
    path("notes/<int:pk>/", views.note_detail, name="note_detail"),
    path("notes/<int:pk>/sign/", views.note_sign, name="note_sign"),
    path("notes/<int:pk>/addenda/", views.note_addendum, name="note_addendum"),
    path("patients/<int:patient_id>/psychotherapy/", views.psychotherapy_list, name="psychotherapy_list"),
    path("psychotherapy/<int:pk>/", views.psychotherapy_detail, name="psychotherapy_detail"),
    path("psychotherapy/<int:pk>/sign/", views.psychotherapy_sign, name="psychotherapy_sign"),
    path("psychotherapy/<int:pk>/addenda/", views.psychotherapy_addendum, name="psychotherapy_addendum"),
]
