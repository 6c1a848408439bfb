from django.urls import path

from ketacare.audit import views

app_name = "audit"
urlpatterns = [path("", views.list, name="list")]
