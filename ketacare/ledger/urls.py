from django.urls import path

from ketacare.ledger import views

app_name = "ledger"
urlpatterns = [
    path("", views.index, name="index"),
    path("settings/", views.settings_page, name="settings"),
    path("locations/<int:pk>/", views.location_inventory, name="location"),
    path("locations/<int:pk>/receive/", views.receive, name="receive"),
    path("locations/<int:pk>/reports/", views.export, name="export"),
    path("locations/<int:pk>/theft-loss/new/", views.theft_loss_new, name="theft_loss_new"),
    path("vials/<int:pk>/", views.vial_detail, name="vial"),
    path("vials/<int:pk>/waste/", views.vial_waste, name="vial_waste"),
    path("vials/<int:pk>/count/", views.vial_count, name="vial_count"),
    path("vials/<int:pk>/transfer/", views.vial_transfer, name="vial_transfer"),
    path("vials/<int:pk>/disposal/", views.vial_disposal, name="vial_disposal"),
    path("counts/<int:entry_pk>/resolve/", views.resolve, name="resolve"),
    path("theft-loss/", views.theft_loss_list, name="theft_loss"),
    path("theft-loss/<int:pk>/", views.theft_loss_detail, name="theft_loss_detail"),
]
