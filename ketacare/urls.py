from django.urls import include, path

from ketacare import views
from ketacare.api import api
from ketacare.inquiries.urls import public_urlpatterns as inquiry_public_urls

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
    path("audit/", include("ketacare.audit.urls")),
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
