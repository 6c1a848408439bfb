from django.urls import path

from ketacare.documents import views

app_name = "documents"
urlpatterns = [
    path("patients/<int:patient_id>/", views.patient_documents, name="patient"),
    path("patients/<int:patient_id>/upload/", views.upload, name="upload"),
    path(
        "patients/<int:patient_id>/<int:document_id>/entered-in-error/",
        views.entered_in_error,
        name="entered_in_error",
    ),
    path("<int:document_id>/download/", views.download, name="download"),
]

# The signed-in patient's own documents, at /portal/documents/ (mounted in ketacare/urls.py under
# its own namespace, "documents_portal").
portal_urlpatterns = [
    path("", views.portal_documents, name="list"),
    path("upload/", views.portal_upload, name="upload"),
    path("<int:document_id>/download/", views.portal_download, name="download"),
]
