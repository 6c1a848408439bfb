"""The clinic admin's import pages, mounted at /clinic/import/ (ketacare/urls.py)."""

from django.urls import path

from ketacare.fhir.imports import views

app_name = "fhir_imports"

urlpatterns = [
    path("", views.upload, name="upload"),
    path("<int:run_id>/", views.run, name="run"),
    path("<int:run_id>/confirm/", views.confirm, name="confirm"),
    path("<int:run_id>/discard/", views.discard, name="discard"),
]
