from django.urls import path

from ketacare.clinics import views

app_name = "clinics"
urlpatterns = [
    path("manage/pages/", views.pages_manage, name="pages_manage"),
    path("<slug:org_slug>/", views.pages, name="pages"),
]
