from django.apps import AppConfig


class ConsultationsConfig(AppConfig):
    name = "ketacare.consultations"
    label = "consultations"
    verbose_name = "Consultation notes"

    def ready(self) -> None:
        # `ketacare flush` lifts the addenda's append-only guard for its duration only.
        from ketacare.consultations.guard import CONSULTATION_ADDENDA
        from ketacare.lib.append_only import register

        register(CONSULTATION_ADDENDA)
