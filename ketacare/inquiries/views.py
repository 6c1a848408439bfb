"""Pages: the public request form of each organisation, and the staff inbox."""

import zoneinfo

from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.clinics.selectors import access_public_clinic_by_slug
from ketacare.inquiries.actions import do_change_inquiry_status, do_convert_inquiry, do_submit_inquiry
from ketacare.inquiries.domain.validation import format_received
from ketacare.inquiries.forms import InquiryForm, InquiryStatusForm
from ketacare.inquiries.models import HelpReason, Inquiry, InquiryStatus
from ketacare.inquiries.selectors import access_inquiry_by_id, access_inquiry_inbox, first_location
from ketacare.inquiries.throttle import submission_rate_limited
from ketacare.lib.urls import url_with_id
from ketacare.lib.views import run_action, run_form_action
from ketacare.patients.actions import PossibleDuplicatePatients
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


_STATUS_LABELS = dict(InquiryStatus.choices)


def _inbox_row(inquiry: Inquiry, zone: zoneinfo.ZoneInfo) -> dict:
    """What the inbox shows of one request, as plain values: the template resolves each {{ }} of each row, and
    on a model (display methods, properties, filters) that was most of the page's time (issue 19). The time is
    printed here in the page's zone: `|date` cost a fifth of the page, more than the rest of the row."""
    return {
        "url": url_with_id("inquiries:detail", inquiry.pk),
        "received": format_received(inquiry.submitted_at, zone),
        "full_name": inquiry.full_name,
        "submission_count": inquiry.submission_count,
        "record_number": inquiry.patient.record_number if inquiry.patient_id else "",
        "age_years": inquiry.age_years,
        "date_of_birth": inquiry.date_of_birth.isoformat(),
        "phone": inquiry.phone,
        "email": inquiry.email,
        "reason_items": inquiry.reason_items,
        "reason_other": inquiry.reason_other,
        "preferred_location": inquiry.preferred_location.name if inquiry.preferred_location_id else "",
        "window_labels": inquiry.window_labels,
        "status": inquiry.status,
        "status_label": _STATUS_LABELS.get(inquiry.status, inquiry.status),
    }


@permission_required(Permission.INQUIRY_VIEW)
def inbox(request):
    listing = access_inquiry_inbox(request.user, status=request.GET.get("status"), page_number=request.GET.get("page"))
    zone = timezone.get_current_timezone()
    return render(
        request,
        "inquiries/inbox.html",
        {"inbox": listing, "rows": [_inbox_row(inquiry, zone) for inquiry in listing.page.object_list]},
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
