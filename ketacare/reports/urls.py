"""Report pages, mounted at the site root: each keeps the path it had in the app it came from."""

from django.urls import path

from ketacare.reports.letters import views as letters
from ketacare.reports.views import audit_trail, outcomes, progress_summary

app_name = "reports"
urlpatterns = [
    path("measures/patients/<int:patient_id>/trend/<str:instrument>/", outcomes.trend, name="trend"),
    path("measures/portal/trend/<str:instrument>/", outcomes.portal_trend, name="portal_trend"),
    path("measures/dashboard/", outcomes.dashboard, name="dashboard"),
    path(
        "therapy/patients/<int:patient_id>/progress-summary.pdf",
        progress_summary.progress_summary_pdf,
        name="progress_summary",
    ),
    path("letters/patients/<int:patient_id>/", letters.letter_list, name="letter_list"),
    path("letters/<int:pk>/", letters.letter_detail, name="letter_detail"),
    path("letters/<int:pk>/sign/", letters.letter_sign, name="letter_sign"),
    path("letters/<int:pk>/letter.pdf", letters.letter_pdf, name="letter_pdf"),
    path("letters/settings/", letters.letter_settings, name="letter_settings"),
    path("audit/", audit_trail.audit_list, name="audit_list"),
    path("audit/verify/", audit_trail.audit_verify, name="audit_verify"),
]
