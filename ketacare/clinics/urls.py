from django.urls import path

from ketacare.clinics import views

app_name = "clinics"
# Mounted at the site root. Everything under /c/ is public and exempt from the
# two-factor step (accounts/middleware.py); management lives under /clinic/ so
# that exemption never reaches it.
urlpatterns = [
    path("c/<slug:org_slug>/", views.pages, name="pages"),
    path("c/<slug:org_slug>/<slug:page_slug>/", views.page, name="page"),
    path("clinic/pages/", views.pages_manage, name="pages_manage"),
    path("clinic/pages/new/", views.page_create, name="page_create"),
    path("clinic/pages/<int:pk>/edit/", views.page_edit, name="page_edit"),
    path("clinic/settings/", views.organisation_settings, name="settings"),
    path("clinic/locations/", views.locations, name="locations"),
    path("clinic/locations/new/", views.location_create, name="location_create"),
    path("clinic/locations/<int:pk>/", views.location_detail, name="location_detail"),
    path("clinic/locations/<int:pk>/edit/", views.location_edit, name="location_edit"),
    path("clinic/locations/<int:pk>/archive/", views.location_archive, name="location_archive"),
    path("clinic/locations/<int:pk>/reopen/", views.location_reopen, name="location_reopen"),
    path("clinic/mail/", views.mail_problems, name="mail_problems"),
    path("clinic/mail/<int:message_id>/retry/", views.mail_retry, name="mail_retry"),
]
