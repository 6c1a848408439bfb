from django.conf import settings
from django.utils import timezone

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import user_may


def navigation(request):
    """What the navigation bar may offer this user (the role matrix decides)."""
    user = getattr(request, "user", None)
    return {
        "demo_mode": settings.DEMO_MODE,
        "nav": {
            "inbox": user_may(user, Permission.INQUIRY_VIEW),
            "patients": user_may(user, Permission.PATIENT_LIST),
            "audit": user_may(user, Permission.AUDIT_VIEW),
            "clinic_pages": user_may(user, Permission.CLINIC_PAGES_EDIT),
            "staff": user_may(user, Permission.STAFF_MANAGE),
            "portal": user_may(user, Permission.OWN_RECORD_VIEW),
            "plans": user_may(user, Permission.PLANS_VIEW),
            "outcomes": user_may(user, Permission.MEASURES_DASHBOARD),
            "alerts": user_may(user, Permission.MEASURES_ALERTS_VIEW),
            "measures_settings": user_may(user, Permission.ORGANISATION_SETTINGS),
            "schedule": user_may(user, Permission.SCHEDULE_VIEW),
            "schedule_resources": user_may(user, Permission.SCHEDULE_RESOURCES_MANAGE),
            "waitlist": user_may(user, Permission.SCHEDULE_WAITLIST),
            "sessions": user_may(user, Permission.SESSION_VIEW),
            "therapy": user_may(user, Permission.THERAPY_NOTE_VIEW),
            "consultations": user_may(user, Permission.CONSULTATION_NOTE_VIEW),
            "letters": user_may(user, Permission.REFERRAL_LETTER_VIEW),
            "ledger": user_may(user, Permission.LEDGER_VIEW),
            "rems": user_may(user, Permission.REMS_VIEW),
            "billing": user_may(user, Permission.BILLING_VIEW),
            "claims": user_may(user, Permission.CLAIMS_MANAGE),
        },
    }


def display_zone(request):
    """The zone this page's times are shown in (the one activated for the request, ketacare/lib/zones.py),
    for the line that states it: "Times in America/Los_Angeles"."""
    return {"display_zone": timezone.get_current_timezone_name()}
