from django.urls import path

from ketacare.patients import views

app_name = "patients"
urlpatterns = [path("", views.list, name="list")]
