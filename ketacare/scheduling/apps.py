from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "ketacare.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling: chairs, staff, appointments"

    def ready(self) -> None:
        from ketacare.scheduling.actions.reminders import connect_to_outbox

        connect_to_outbox()  # the outbox asks before sending a reminder, and tells when it was sent
