from django.urls import path

from ketacare.protocols import views

app_name = "protocols"
urlpatterns = [
    path("templates/", views.template_list, name="template_list"),
    path("settings/", views.settings_page, name="settings"),
    path("templates/<int:pk>/", views.template_detail, name="template_detail"),
    path("patients/<int:patient_id>/plans/", views.plan_list, name="plan_list"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/status/", views.plan_status, name="plan_status"),
    path("plans/<int:pk>/adjuncts/", views.adjunct_add, name="adjunct_add"),
    path("plans/<int:pk>/dose-override/", views.dose_override, name="dose_override"),
    path("plans/<int:pk>/dose/", views.dose_change, name="dose_change"),
    path("plans/<int:pk>/maintenance/", views.maintenance, name="maintenance"),
    path("plans/<int:pk>/maintenance/decide/", views.maintenance_decide, name="maintenance_decide"),
]
