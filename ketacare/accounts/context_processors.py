from functools import lru_cache
from types import MappingProxyType

from django.conf import settings
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission, role_may
from ketacare.lib.urls import urls_of

# What the navigation bar may offer (key: permission); the role matrix decides.
_NAV_PERMISSIONS = {
    "inbox": Permission.INQUIRY_VIEW,
    "patients": Permission.PATIENT_LIST,
    "audit": Permission.AUDIT_VIEW,
    "clinic_pages": Permission.CLINIC_PAGES_EDIT,
    "staff": Permission.STAFF_MANAGE,
    "portal": Permission.OWN_RECORD_VIEW,
    "plans": Permission.PLANS_VIEW,
    "outcomes": Permission.MEASURES_DASHBOARD,
    "alerts": Permission.MEASURES_ALERTS_VIEW,
    "measures_settings": Permission.ORGANISATION_SETTINGS,
    "schedule": Permission.SCHEDULE_VIEW,
    "schedule_resources": Permission.SCHEDULE_RESOURCES_MANAGE,
    "waitlist": Permission.SCHEDULE_WAITLIST,
    "sessions": Permission.SESSION_VIEW,
    "therapy": Permission.THERAPY_NOTE_VIEW,
    "consultations": Permission.CONSULTATION_NOTE_VIEW,
    "letters": Permission.REFERRAL_LETTER_VIEW,
    "ledger": Permission.LEDGER_VIEW,
    "rems": Permission.REMS_VIEW,
    "billing": Permission.BILLING_VIEW,
    "claims": Permission.CLAIMS_MANAGE,
}
# The links of the page header (base.html: {{ nav_url.<key> }}).
_NAV_URL_NAMES = {
    "home": "home",
    "inbox": "inquiries:inbox",
    "patients": "patients:list",
    "calendar": "scheduling:calendar",
    "sessions": "treatments:day",
    "waitlist": "scheduling:waitlist",
    "protocols": "protocols:template_list",
    "dashboard": "reports:dashboard",
    "alerts": "measures:alerts",
    "ledger": "ledger:index",
    "rems": "rems:dashboard",
    "billing": "billing:charges",
    "claims": "billing:claims",
    "staff": "staff:list",
    "schedule_resources": "scheduling:resources",
    "clinic_pages": "clinics:pages_manage",
    "locations": "clinics:locations",
    "questionnaire_settings": "measures:settings",
    "session_settings": "treatments:settings",
    "mail_problems": "clinics:mail_problems",
    "audit": "reports:audit_list",
    "portal": "portal:home",
    "portal_questionnaires": "measures:portal",
    "portal_appointments": "scheduling:portal_schedule",
    "me": "accounts:me",
    "preferences": "accounts:preferences",
    "tokens": "accounts:tokens",
    "calendar_feed": "scheduling:staff_calendar_feed",
    "logout": "accounts:logout",
}


@lru_cache(maxsize=64)
def _nav_of(role: str | None, is_active: bool) -> MappingProxyType:
    # user_may is role_may for an active signed-in user: the answer depends on nothing else.
    return MappingProxyType(
        {key: is_active and role_may(role, permission) for key, permission in _NAV_PERMISSIONS.items()}
    )


class _NavUrls:
    """The header's links, reversed once per process (lib/urls.py) when a template first asks for one."""

    def __init__(self) -> None:
        self._url_of = urls_of()

    def __getitem__(self, key: str) -> str:
        return self._url_of(_NAV_URL_NAMES[key])


def nav_urls() -> _NavUrls:
    """{{ nav_url.<key> }}: the header's links with the script prefix and URLconf in force."""
    return _NavUrls()


def navigation(request):
    """What the navigation bar may offer this user (the role matrix decides, per role: computed once) and its
    links (nav_url)."""
    user = getattr(request, "user", None)
    signed_in = bool(getattr(user, "is_authenticated", False))
    return {
        "demo_mode": settings.DEMO_MODE,
        "nav": _nav_of(user.role if signed_in else None, signed_in and user.is_active),
        "nav_url": nav_urls(),
    }


def display_zone(request):
    """The zone this page's times are shown in (the one activated for the request, ketacare/lib/zones.py),
    for the line that states it: "Times in America/Los_Angeles"."""
    return {"display_zone": timezone.get_current_timezone_name()}
