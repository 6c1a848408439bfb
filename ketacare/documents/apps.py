from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "ketacare.documents"
    label = "documents"
    verbose_name = "Patient documents"
