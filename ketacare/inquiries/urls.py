from django.urls import path

from ketacare.inquiries import views

app_name = "inquiries"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/convert/", views.convert, name="convert"),
]
# Mounted at /c/<org_slug>/request/ by ketacare/urls.py (namespace "inquiry_public").
public_urlpatterns = [path("", views.request_form, name="form")]
