from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "ketacare.documents"
    label = "documents"
    verbose_name = "Patient documents"

    def ready(self) -> None:
        from ketacare.documents.guard import DOCUMENT_ERROR_MARKS
        from ketacare.lib.append_only import register

        register(DOCUMENT_ERROR_MARKS)  # `ketacare flush` lifts its append-only guard
