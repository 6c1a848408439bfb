from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "ketacare.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling: chairs, staff, appointments"

    def ready(self) -> None:
        from ketacare.scheduling.actions.reminders import connect_to_outbox

        connect_to_outbox()  # the outbox asks before sending a reminder, and tells when it was sent

        from ketacare.clinics.hooks import register_location_archive_check
        from ketacare.scheduling.selectors.booking import location_archive_blockers

        # A location with appointments to come is not archived, nor its zone changed (clinics/hooks.py).
        register_location_archive_check("appointments", location_archive_blockers)
