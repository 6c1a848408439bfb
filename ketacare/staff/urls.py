from django.urls import path

from ketacare.staff import views

app_name = "staff"
# Mounted at /clinic/staff/ (clinic management lives under /clinic/, outside the public /c/ pages).
urlpatterns = [
    path("", views.staff_list_view, name="list"),
    path("invite/", views.invite, name="invite"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/change/", views.change, name="change"),
    path("<int:pk>/deactivate/", views.deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.reactivate, name="reactivate"),
    path("<int:pk>/unlock/", views.unlock, name="unlock"),
    path("<int:pk>/reset-two-factor/", views.reset_two_factor, name="reset_two_factor"),
    path("<int:pk>/resend-invitation/", views.resend_invitation, name="resend_invitation"),
]
