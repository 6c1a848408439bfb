from django.urls import path, re_path
from oauth2_provider.views import JwksInfoView

from ketacare.fhir import views
from ketacare.fhir.bulk import views as bulk_views
from ketacare.fhir.smart import views as smart_views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    # SMART App Launch (fhir/smart/): the authorization server and what apps read to find it.
    path("auth/authorize", smart_views.SmartAuthorizationView.as_view(), name="smart_authorize"),
    path("auth/token", smart_views.SmartTokenView.as_view(), name="smart_token"),
    path(".well-known/smart-configuration", smart_views.smart_configuration, name="smart_configuration"),
    path(".well-known/openid-configuration", smart_views.openid_configuration, name="openid_configuration"),
    path(".well-known/jwks.json", JwksInfoView.as_view(), name="smart_jwks"),
    re_path(r"^Patient/(?P<resource_id>[A-Za-z0-9\-.]{1,64})/\$everything$", views.everything, name="everything"),
    # Bulk Data $export (fhir/bulk/): kick-off, status (GET, DELETE to cancel) and the files.
    path("$export", bulk_views.export_system, name="bulk_export"),
    path("Patient/$export", bulk_views.export_patients, name="bulk_export_patients"),
    re_path(r"^Group/(?P<group_id>[A-Za-z0-9\-.]{1,64})/\$export$", bulk_views.export_group, name="bulk_export_group"),
    re_path(r"^bulk-status/(?P<job_id>[A-Za-z0-9_\-]{1,40})$", bulk_views.status, name="bulk_status"),
    re_path(
        r"^bulk-files/(?P<job_id>[A-Za-z0-9_\-]{1,40})/(?P<file_name>[A-Z][A-Za-z]{1,63}\.ndjson)$",
        bulk_views.download,
        name="bulk_file",
    ),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]+)$", views.search, name="search"),
    re_path(r"^(?P<resource_type>[A-Z][A-Za-z]+)/(?P<resource_id>[A-Za-z0-9\-.]{1,64})$", views.read, name="read"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
