"""Staff pages under /consents/, the patient's own under /portal/consents/ (one namespace: consents)."""

from django.urls import path

from ketacare.consents import views

app_name = "consents"
urlpatterns = [
    path("consents/patients/<int:patient_id>/", views.patient_page, name="patient"),
    path("consents/patients/<int:patient_id>/tablet/<int:template_id>/", views.tablet_start, name="tablet_start"),
    # Kiosk mode: while it is on, KioskMiddleware answers every other URL with a redirect here.
    path("consents/kiosk/", views.kiosk_page, name="kiosk"),
    path("consents/signed/<int:consent_id>/pdf/", views.pdf, name="pdf"),
    path("consents/signed/<int:consent_id>/revoke/", views.revoke, name="revoke"),
    path("consents/texts/", views.templates_page, name="templates"),
    path("consents/texts/<int:template_id>/", views.template_page, name="template"),
    path("consents/texts/<int:template_id>/retire/", views.template_retire, name="template_retire"),
    path("portal/consents/", views.portal_list, name="portal_list"),
    path("portal/consents/<int:template_id>/sign/", views.portal_sign, name="portal_sign"),
    path("portal/consents/signed/<int:consent_id>/pdf/", views.portal_pdf, name="portal_pdf"),
    path("portal/consents/signed/<int:consent_id>/revoke/", views.portal_revoke, name="portal_revoke"),
]
