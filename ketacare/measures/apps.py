from django.apps import AppConfig


class MeasuresConfig(AppConfig):
    name = "ketacare.measures"
    label = "measures"
    verbose_name = "Measurement-based care: instruments, responses, alerts, outcomes"

    def ready(self) -> None:
        from ketacare.measures.actions import link_still_wanted
        from ketacare.outbox.hooks import register_delivery_check
        from ketacare.outbox.models import MailKind

        # A questionnaire cancelled (or answered in the portal) before its link went out gets no link.
        register_delivery_check(MailKind.QUESTIONNAIRE_LINK, link_still_wanted)
