from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ketacare.portal"
    label = "portal"
    verbose_name = "Patient portal"

    def ready(self) -> None:
        # Issue 15: staff see on the patient's chart whether the patient has an active portal account and when
        # they last signed in; patients stands below the portal, so the portal plugs in here.
        from ketacare.patients.hooks import register_chart_section
        from ketacare.portal.views import portal_account_section

        register_chart_section(portal_account_section)
