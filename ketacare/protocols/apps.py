from django.apps import AppConfig


class ProtocolsConfig(AppConfig):
    name = "ketacare.protocols"
    label = "protocols"
    verbose_name = "Protocols, treatment plans, dosing and pharmacokinetics"
