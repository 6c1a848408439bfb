from django.urls import path

from ketacare.candidacy import views

app_name = "candidacy"
urlpatterns = [
    path("patients/<int:patient_id>/", views.candidacy_detail, name="detail"),
    path("patients/<int:patient_id>/decisions/", views.record_decision, name="decide"),
    path("patients/<int:patient_id>/intake/", views.intake_edit, name="intake"),
    path("patients/<int:patient_id>/intake/confirm/", views.intake_confirm, name="intake_confirm"),
    path("patients/<int:patient_id>/trials/", views.trial_add, name="trial_add"),
    path("patients/<int:patient_id>/trials/<int:trial_id>/remove/", views.trial_remove, name="trial_remove"),
    path("portal/intake/", views.portal_intake, name="portal_intake"),
    path("policy/", views.policy_edit, name="policy"),
]
