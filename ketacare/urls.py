from django.urls import include, path

from ketacare import views
from ketacare.api import api
from ketacare.inquiries.urls import public_urlpatterns as inquiry_public_urls
from ketacare.patients.urls import access_history_urlpatterns as patient_access_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("ketacare.accounts.urls")),
    path("api/v1/", api.urls),
    # Public pages of one organisation, no sign-in: /c/<org>/ and /c/<org>/request/
    path("c/<slug:org_slug>/request/", include((inquiry_public_urls, "inquiry_public"))),
    # Public clinic pages at /c/<org>/..., their management at /clinic/... (see clinics/urls.py).
    path("", include("ketacare.clinics.urls")),
    path("inquiries/", include("ketacare.inquiries.urls")),
    path("patients/", include("ketacare.patients.urls")),
    # A patient's access history sits beside the organisation's audit trail, which is a report.
    path("audit/patients/", include((patient_access_urls, "patient_access"))),
    # Reports keep the paths of the pages they came from (/measures/dashboard/, /audit/, ...).
    path("", include("ketacare.reports.urls")),
    path("portal/", include("ketacare.portal.urls")),
    path("measures/", include("ketacare.measures.urls")),
    path("candidacy/", include("ketacare.candidacy.urls")),
    path("protocols/", include("ketacare.protocols.urls")),
    path("scheduling/", include("ketacare.scheduling.urls")),
    path("ledger/", include("ketacare.ledger.urls")),
    path("sessions/", include("ketacare.treatments.urls")),
    path("rems/", include("ketacare.rems.urls")),
    path("therapy/", include("ketacare.therapy.urls")),
]
