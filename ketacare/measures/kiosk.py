"""Kiosk mode (issue 14.6): the clinic tablet handed to the patient for one questionnaire.

The staff member's session is suspended, not ended: a flag in the server-side session names the
questionnaire and where to return. While it is set only the kiosk pages answer (the questionnaire,
its answers, the staff re-entry); every other URL, staff page or API, redirects back to the kiosk
(KioskMiddleware), so the patient cannot reach the chart, the navigation or another patient.
Leaving needs the staff member's password again: it goes through django.contrib.auth (django-axes
counts a wrong one like a failed sign-in); a lockout ends the staff session altogether.
"""

from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.measures.models import QuestionnaireAssignment

SESSION_KEY = "measures_kiosk"


def kiosk_of(request) -> dict | None:
    """{"assignment": id, "return_to": path} while the tablet is in kiosk mode, else None."""
    state = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    return state if isinstance(state, dict) else None


def safe_return_to(request, url: str, fallback: str) -> str:
    """A local path to go back to after the kiosk (never another site)."""
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=False):
        return url
    return fallback


def enter_kiosk(request, assignment: QuestionnaireAssignment, return_to: str) -> None:
    """Suspend the staff session behind the kiosk (audited: who handed the tablet, for what)."""
    request.session[SESSION_KEY] = {"assignment": assignment.pk, "return_to": return_to}
    record_event(
        request.user,
        AuditAction.SECURITY,
        assignment,
        patient=assignment.patient,
        detail={"event": "kiosk_started", "instrument": assignment.instrument},
    )


def enter_kiosk_at(request, home: str, obj, *, patient, return_to: str, **state) -> None:
    """Kiosk mode for a page of an app above (consent signing): only `home` and the staff re-entry answer.

    `state` (ids) is kept with the flag for the page to read back; audited like enter_kiosk.
    """
    request.session[SESSION_KEY] = {"home": home, "return_to": return_to, **state}
    record_event(
        request.user, AuditAction.SECURITY, obj, patient=patient, detail={"event": "kiosk_started", "home": home}
    )


def leave_kiosk(request) -> str:
    """Lift the flag after the staff re-entry; returns where to go back to (audited)."""
    state = request.session.pop(SESSION_KEY, None) or {}
    record_event(
        request.user,
        AuditAction.SECURITY,
        object_type="measures.kiosk",
        object_id=str(state.get("assignment", "")),
        organisation=request.user.organisation,
        detail={"event": "kiosk_left"},
    )
    return state.get("return_to") or reverse("home")


class KioskMiddleware:
    """While the session is in kiosk mode, every URL but the kiosk's (its `home`, by default the
    questionnaire's) and the staff re-entry redirects to the kiosk."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        state = kiosk_of(request) if user is not None and user.is_authenticated else None
        if state is not None:
            kiosk = state.get("home") or reverse("measures:kiosk")
            if not request.path.startswith((kiosk, reverse("measures:kiosk_exit"))):
                if request.headers.get("HX-Request"):
                    response = redirect(kiosk)
                    response["HX-Redirect"] = kiosk
                    return response
                return redirect(kiosk)
        return self.get_response(request)
