from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "ketacare.patients"
    label = "patients"
    verbose_name = "Patient registry"
