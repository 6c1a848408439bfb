from django.apps import AppConfig


class ConsentsConfig(AppConfig):
    name = "ketacare.consents"
    label = "consents"
    verbose_name = "Informed consent"
