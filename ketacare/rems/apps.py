from django.apps import AppConfig


class RemsConfig(AppConfig):
    name = "ketacare.rems"
    label = "rems"
    verbose_name = "Esketamine REMS"
