from django.apps import AppConfig


class LibConfig(AppConfig):
    """Helpers without models, and the project-wide commands (serve)."""

    name = "ketacare.lib"
    label = "ketacare_lib"
    verbose_name = "KetaCare helpers"
