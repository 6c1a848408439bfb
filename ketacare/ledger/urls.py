from django.urls import path

from ketacare.ledger.views import administration, products, reports, stock, theft_loss

app_name = "ledger"
urlpatterns = [
    path("", stock.index, name="index"),
    path("settings/", products.settings_page, name="settings"),
    path("locations/<int:pk>/", stock.location_inventory, name="location"),
    path("locations/<int:pk>/receive/", stock.receive, name="receive"),
    path("locations/<int:pk>/reports/", reports.export, name="export"),
    path("locations/<int:pk>/theft-loss/new/", theft_loss.theft_loss_new, name="theft_loss_new"),
    path("vials/<int:pk>/", stock.vial_detail, name="vial"),
    path("vials/<int:pk>/waste/", administration.vial_waste, name="vial_waste"),
    path("vials/<int:pk>/count/", stock.vial_count, name="vial_count"),
    path("vials/<int:pk>/transfer/", stock.vial_transfer, name="vial_transfer"),
    path("vials/<int:pk>/disposal/", stock.vial_disposal, name="vial_disposal"),
    path("counts/<int:entry_pk>/resolve/", stock.resolve, name="resolve"),
    path("theft-loss/", theft_loss.theft_loss_list, name="theft_loss"),
    path("theft-loss/<int:pk>/", theft_loss.theft_loss_detail, name="theft_loss_detail"),
]
