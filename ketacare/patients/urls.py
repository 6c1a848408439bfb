from django.urls import path

from ketacare.patients import views

app_name = "patients"
urlpatterns = [
    path("", views.patient_list, name="list"),
    path("new/", views.patient_create, name="create"),
    path("picker/", views.patient_picker, name="picker"),
    path("<int:pk>/", views.patient_detail, name="detail"),
    path("<int:pk>/edit/", views.patient_edit, name="edit"),
    path("<int:pk>/export.json", views.patient_export, name="export"),
    path("<int:pk>/merge/", views.patient_merge, name="merge"),
    path("<int:pk>/unmerge/", views.patient_unmerge, name="unmerge"),
    path("<int:pk>/diagnoses/", views.diagnosis_add, name="diagnosis_add"),
    path("<int:pk>/diagnoses/<int:entry_id>/status/", views.diagnosis_status, name="diagnosis_status"),
    path("<int:pk>/allergies/", views.allergy_add, name="allergy_add"),
    path("<int:pk>/allergies/<int:entry_id>/status/", views.allergy_status, name="allergy_status"),
    path("<int:pk>/medications/", views.medication_add, name="medication_add"),
    path("<int:pk>/medications/<int:entry_id>/status/", views.medication_status, name="medication_status"),
    path("<int:pk>/weights/", views.weight_add, name="weight_add"),
]

# A patient's access history, at /audit/patients/<id>/ beside the organisation's audit trail
# (mounted in ketacare/urls.py under its own namespace, "patient_access").
access_history_urlpatterns = [
    path("<int:patient_id>/", views.access_history, name="history"),
    path("<int:patient_id>/disclosures.csv", views.disclosures_csv, name="disclosures"),
]
