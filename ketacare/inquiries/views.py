"""Pages: the public request form of each organisation, and the staff inbox."""

import datetime as dt
import html
import zoneinfo
from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.clinics.selectors import access_public_clinic_by_slug
from ketacare.inquiries.actions import do_change_inquiry_status, do_convert_inquiry, do_submit_inquiry
from ketacare.inquiries.domain.validation import format_received, format_window
from ketacare.inquiries.forms import InquiryForm, InquiryStatusForm
from ketacare.inquiries.models import HelpReason, InquiryStatus, reason_items
from ketacare.inquiries.selectors import (
    InboxListing,
    access_inquiry_by_id,
    access_inquiry_inbox_listings,
    first_location,
)
from ketacare.inquiries.throttle import submission_rate_limited
from ketacare.lib.urls import urls_with_id
from ketacare.lib.views import run_action, run_form_action
from ketacare.patients.actions import PossibleDuplicatePatients
from ketacare.patients.domain.demographics import age_on
from ketacare.patients.selectors import access_possible_duplicates


def request_form(request, org_slug):
    """The public consultation request page of one organisation (no sign-in)."""
    clinic = access_public_clinic_by_slug(org_slug)
    org = clinic.organisation
    form = InquiryForm(request.POST if request.method == "POST" else None, locations=clinic.locations)
    context = {"org": org, "form": form, "first_location": first_location(clinic.locations)}
    if request.method == "POST":
        if submission_rate_limited(request):
            return render(request, "inquiries/request_form.html", {**context, "rate_limited": True}, status=429)
        if form.is_valid():
            submission = form.submission()
            try:
                do_submit_inquiry(request.user, organisation=org, submission=submission)
            except ValidationError as error:
                form.show_errors(error)
            else:
                # The same page whether stored, merged into a repeat, or dropped by the honeypot.
                return render(
                    request,
                    "inquiries/request_received.html",
                    {
                        "org": org,
                        "first_name": submission.first_name.strip(),
                        "email_given": bool(submission.email.strip()),
                        "show_crisis": HelpReason.SUICIDAL_THOUGHTS in submission.reasons,
                    },
                )
    return render(request, "inquiries/request_form.html", context)


# The inbox's markup of each status and each reason, built once (format_html and escape insert every value
# escaped): per row, building them again cost as much as the template tags they replace (issue 19).
_STATUS_BADGES = {
    status: format_html('<span class="badge {}">{}</span>', status, label) for status, label in InquiryStatus.choices
}
_REASON_MARKUP = {
    reason: format_html("<strong>{}</strong>", label) if urgent else escape(label)
    for reason, (label, urgent) in zip(HelpReason.values, reason_items(HelpReason.values), strict=True)
}


def _inbox_row(listing: InboxListing, zone: zoneinfo.ZoneInfo, url: Callable[[int], str], now: dt.datetime) -> dict:
    """What the inbox shows of one request, as plain values: the template resolves each {{ }}, {% if %} and
    {% for %} of each row, and that was most of the page's time (issue 19). So the parts of a row made only of
    the clinic's own words (reasons, windows, status, notes) come as markup built here of escaped parts; what
    the requester typed (name, contact, other reason) and the location's name stay template variables, escaped
    there. The received time is printed in the page's zone (`|date` cost a fifth of the page); age and windows
    in the request's own zone, as Inquiry.age_years and Inquiry.window_labels give them."""
    request_zone = zoneinfo.ZoneInfo(listing.time_zone)
    notes = ""
    if listing.submission_count > 1:
        notes = format_html('<br><span class="small muted">sent {} times</span>', listing.submission_count)
    if listing.patient_record_number:
        notes = format_html('{}<br><span class="small muted">patient {}</span>', notes, listing.patient_record_number)
    windows = (format_window(window.starts_at, window.ends_at, request_zone) for window in listing.windows)
    return {
        "url": url(listing.id),
        "received": format_received(listing.submitted_at, zone),
        "full_name": f"{listing.first_name} {listing.last_name}",
        "notes": notes,
        "age_years": age_on(listing.date_of_birth, now.astimezone(request_zone).date()),
        "date_of_birth": listing.date_of_birth.isoformat(),
        "phone": listing.phone,
        "email": listing.email,
        "reasons": mark_safe(", ".join(_REASON_MARKUP.get(reason) or escape(reason) for reason in listing.reasons)),
        "reason_other": listing.reason_other,
        "preferred_location": listing.preferred_location_name or "No preference",
        # The standard library's escape, as Django's `escape` calls it, without the lazy-string check per call.
        "windows": mark_safe("".join(f"{html.escape(label)}<br>" for label in windows)),
        "status": _STATUS_BADGES.get(listing.status)
        or format_html('<span class="badge {}">{}</span>', listing.status, listing.status),
    }


@permission_required(Permission.INQUIRY_VIEW)
def inbox(request):
    listing = access_inquiry_inbox_listings(
        request.user, status=request.GET.get("status"), page_number=request.GET.get("page")
    )
    zone, url, now = timezone.get_current_timezone(), urls_with_id("inquiries:detail"), timezone.now()
    return render(
        request,
        "inquiries/inbox.html",
        {"inbox": listing, "rows": [_inbox_row(listed, zone, url, now) for listed in listing.page.object_list]},
    )


def _detail(request, inquiry, status_form, duplicates=()):
    return render(
        request,
        "inquiries/detail.html",
        {
            "inquiry": inquiry,
            "status_form": status_form,
            "may_triage": user_may(request.user, Permission.INQUIRY_TRIAGE),
            "may_convert": user_may(request.user, Permission.INQUIRY_CONVERT),
            "duplicates": duplicates,
        },
    )


@permission_required(Permission.INQUIRY_VIEW)
def detail(request, pk):
    inquiry = access_inquiry_by_id(request.user, pk)
    return _detail(request, inquiry, InquiryStatusForm(initial={"status": inquiry.status}))


@permission_required(Permission.INQUIRY_TRIAGE)
@require_POST
def change_status(request, pk):
    form = InquiryStatusForm(request.POST)
    return run_form_action(
        request,
        form,
        lambda: do_change_inquiry_status(request.user, pk, **form.cleaned_data),
        success=lambda inquiry: f"Marked as “{inquiry.get_status_display()}”.",
        redirect_to=reverse("inquiries:detail", args=[pk]),
    ) or _detail(request, access_inquiry_by_id(request.user, pk), form)


@permission_required(Permission.INQUIRY_CONVERT)
@require_POST
def convert(request, pk):
    """Registers the requester; possible duplicates are listed on the request until the user confirms."""
    warned_ids: list[int] = []

    def register():
        confirmed = request.POST.get("confirm_not_duplicate") == "1"
        try:
            return do_convert_inquiry(request.user, pk, confirm_not_duplicate=confirmed)
        except PossibleDuplicatePatients as warning:
            warned_ids.extend(warning.candidate_ids)
            raise

    response = run_action(
        request,
        register,
        success=lambda patient: f"Registered {patient.full_name} as patient {patient.record_number}.",
        redirect_to=lambda patient: reverse("patients:detail", args=[patient.pk]),
        failure_redirect_to=reverse("inquiries:detail", args=[pk]),
    )
    if not warned_ids:
        return response
    inquiry = access_inquiry_by_id(request.user, pk)
    duplicates = access_possible_duplicates(request.user, warned_ids)
    return _detail(request, inquiry, InquiryStatusForm(initial={"status": inquiry.status}), duplicates)
