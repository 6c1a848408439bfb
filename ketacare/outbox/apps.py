from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "ketacare.outbox"
    label = "outbox"
    verbose_name = "Outbox: every outbound email, sent by the dispatcher"
