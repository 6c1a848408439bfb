from django.apps import AppConfig


class InquiriesConfig(AppConfig):
    name = "ketacare.inquiries"
    label = "inquiries"
    verbose_name = "Consultation requests"
