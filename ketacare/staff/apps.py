from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "ketacare.staff"
    label = "staff"
    verbose_name = "Staff management"
