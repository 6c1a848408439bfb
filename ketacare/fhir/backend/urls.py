from django.urls import path

from ketacare.fhir.backend import views

app_name = "fhir_backend"
# Mounted at /clinic/fhir-backend-clients/ (the token endpoint is /fhir/auth/token).
urlpatterns = [
    path("", views.clients, name="clients"),
    path("<int:pk>/disable/", views.disable, name="disable"),
]
