from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "ketacare.consultations"
    label = "consultations"
    verbose_name = "Consultation notes"
