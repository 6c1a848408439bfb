from django.apps import AppConfig


class TherapyConfig(AppConfig):
    name = "ketacare.therapy"
    label = "therapy"
    verbose_name = "Integration therapy"
