from django.urls import path

from ketacare.portal import views

app_name = "portal"
urlpatterns = [path("", views.home, name="home")]

# Portal accounts (namespace "portal_accounts", mounted in ketacare/urls.py): the patient's public links,
# and the staff buttons of the chart's portal-account panel.
account_urlpatterns = [
    path("activate/<str:secret>/", views.activate, name="activate"),
    path("register/<str:token>/", views.self_register, name="self_register"),
    path("accounts/patients/<int:patient_id>/invite/", views.invite, name="invite"),
    path("accounts/patients/<int:patient_id>/deactivate/", views.deactivate, name="deactivate"),
    path("accounts/patients/<int:patient_id>/reactivate/", views.reactivate, name="reactivate"),
]
