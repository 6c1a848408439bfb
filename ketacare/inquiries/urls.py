from django.urls import path

from ketacare.inquiries import views

app_name = "inquiries"
urlpatterns = [path("", views.inbox, name="inbox")]
public_urlpatterns = [path("", views.request_form, name="form")]
