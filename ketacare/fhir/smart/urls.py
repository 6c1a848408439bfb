from django.urls import path

from ketacare.fhir.smart import views

app_name = "smart_apps"
# Mounted at /clinic/smart-apps/: the clinic admin's SMART apps (the OAuth endpoints are under /fhir/auth/).
urlpatterns = [
    path("", views.app_list, name="list"),
    path("new/", views.app_create, name="create"),
    path("<int:pk>/", views.app_detail, name="detail"),
    path("<int:pk>/revoke-tokens/", views.app_revoke_tokens, name="revoke_tokens"),
]
