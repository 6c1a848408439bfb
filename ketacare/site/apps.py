from django.apps import AppConfig


class SiteConfig(AppConfig):
    name = "ketacare.site"
    label = "site"
    verbose_name = "The top floor: the demo clinic and what composes many apps"
