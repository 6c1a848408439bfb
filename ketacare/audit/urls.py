from django.urls import path

from ketacare.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("verify/", views.verify, name="verify"),
    path("patients/<int:patient_id>/", views.patient_history, name="patient_history"),
    path("patients/<int:patient_id>/disclosures.csv", views.patient_disclosures_csv, name="patient_disclosures"),
]
