from django.urls import path

from ketacare.measures import views

app_name = "measures"
urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_measures, name="patient"),
    path("patients/<int:patient_id>/assign/", views.assign, name="assign"),
    path("patients/<int:patient_id>/enter/<str:instrument>/", views.enter, name="enter"),
    path("responses/<int:response_id>/amend/", views.amend, name="amend"),
    path("assignments/<int:assignment_id>/cancel/", views.cancel, name="cancel"),
    path("alerts/", views.alerts, name="alerts"),
    path("settings/", views.settings_page, name="settings"),
    path("alerts/<int:alert_id>/acknowledge/", views.acknowledge, name="acknowledge"),
    # No login: the token is the key, and it opens only its own questionnaire.
    path("r/<str:token>/", views.link, name="link"),
    path("r/<str:token>/answer/", views.link_save, name="link_save"),
    path("r/<str:token>/submit/", views.link_submit, name="link_submit"),
    path("portal/", views.portal, name="portal"),
    path("portal/<int:assignment_id>/", views.portal_answer, name="portal_answer"),
    path("portal/<int:assignment_id>/answer/", views.portal_answer_save, name="portal_answer_save"),
    path("portal/<int:assignment_id>/submit/", views.portal_answer_submit, name="portal_answer_submit"),
    path("tablet/<int:assignment_id>/", views.tablet, name="tablet"),
    path("tablet/<int:assignment_id>/answer/", views.tablet_save, name="tablet_save"),
    path("tablet/<int:assignment_id>/submit/", views.tablet_submit, name="tablet_submit"),
    # Kiosk mode: while it is on, KioskMiddleware answers every other URL with a redirect here.
    path("tablet/<int:assignment_id>/kiosk/", views.kiosk_start, name="kiosk_start"),
    path("kiosk/", views.kiosk_page, name="kiosk"),
    path("kiosk/answer/", views.kiosk_save, name="kiosk_save"),
    path("kiosk/submit/", views.kiosk_submit, name="kiosk_submit"),
    path("kiosk/exit/", views.kiosk_exit, name="kiosk_exit"),
]
