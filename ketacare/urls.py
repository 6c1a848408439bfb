from django.urls import include, path

from ketacare import views
from ketacare.api import api
from ketacare.billing.urls import portal_urlpatterns as billing_portal_urls
from ketacare.documents.urls import portal_urlpatterns as documents_portal_urls
from ketacare.fhir.smart import views as smart_views
from ketacare.inquiries.urls import public_urlpatterns as inquiry_public_urls
from ketacare.patients.urls import access_history_urlpatterns as patient_access_urls
from ketacare.portal.urls import account_urlpatterns as portal_account_urls

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("ketacare.accounts.urls")),
    path("api/v1/", api.urls),
    path("fhir/", include("ketacare.fhir.urls")),
    # SMART App Launch: the configuration at the site root too, and the clinic's apps under /clinic/.
    path(".well-known/smart-configuration", smart_views.smart_configuration, name="smart_configuration"),
    path(".well-known/openid-configuration", smart_views.openid_configuration, name="openid_configuration"),
    path("clinic/smart-apps/", include("ketacare.fhir.smart.urls")),
    path("clinic/fhir-backend-clients/", include("ketacare.fhir.backend.urls")),
    # Public pages of one organisation, no sign-in: /c/<org>/ and /c/<org>/request/
    path("c/<slug:org_slug>/request/", include((inquiry_public_urls, "inquiry_public"))),
    # Public clinic pages at /c/<org>/..., their management at /clinic/... (see clinics/urls.py).
    path("", include("ketacare.clinics.urls")),
    path("clinic/staff/", include("ketacare.staff.urls")),
    # The clinic admin imports records from another system (FHIR); the app is fhir.
    path("clinic/import/", include("ketacare.fhir.imports.urls")),
    path("inquiries/", include("ketacare.inquiries.urls")),
    path("patients/", include("ketacare.patients.urls")),
    # A patient's access history sits beside the organisation's audit trail, which is a report.
    path("audit/patients/", include((patient_access_urls, "patient_access"))),
    # Reports keep the paths of the pages they came from (/measures/dashboard/, /audit/, ...).
    path("", include("ketacare.reports.urls")),
    # The patient's own documents sit in the portal's address space; the app is documents.
    path("portal/documents/", include((documents_portal_urls, "documents_portal"))),
    path("portal/", include("ketacare.portal.urls")),
    path("portal/", include((portal_account_urls, "portal_accounts"))),
    path("documents/", include("ketacare.documents.urls")),
    path("measures/", include("ketacare.measures.urls")),
    path("candidacy/", include("ketacare.candidacy.urls")),
    path("protocols/", include("ketacare.protocols.urls")),
    path("scheduling/", include("ketacare.scheduling.urls")),
    path("ledger/", include("ketacare.ledger.urls")),
    path("sessions/", include("ketacare.treatments.urls")),
    path("rems/", include("ketacare.rems.urls")),
    path("therapy/", include("ketacare.therapy.urls")),
    # Consents: staff pages at /consents/..., the patient's own at /portal/consents/... (see consents/urls.py).
    path("", include("ketacare.consents.urls")),
    path("consultations/", include("ketacare.consultations.urls")),
    path("billing/", include("ketacare.billing.urls")),
    path("portal/billing/", include((billing_portal_urls, "billing_portal"))),
]
