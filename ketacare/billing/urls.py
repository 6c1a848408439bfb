"""Billing's pages under /billing/: each topic module brings its own URL patterns."""

from ketacare.billing.views import accounts, charges, claims, fees, insurance, packages, portal

app_name = "billing"
urlpatterns = [
    *fees.urlpatterns,
    *charges.urlpatterns,
    *accounts.urlpatterns,
    *packages.urlpatterns,
    *insurance.urlpatterns,
    *claims.urlpatterns,
]

# The patient's own invoices, receipts and balance, mounted at /portal/billing/ (namespace billing_portal).
portal_urlpatterns = portal.urlpatterns
