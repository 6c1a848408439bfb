"""Consultation requests as the public form sends them, some already triaged by the front desk."""

import datetime as dt

from django.utils import timezone

from ketacare.clinics.models import Location
from ketacare.inquiries.actions import do_change_inquiry_status, do_submit_inquiry
from ketacare.inquiries.domain.validation import InquirySubmission, WindowRequest
from ketacare.inquiries.models import HelpReason, Inquiry, InquiryStatus
from ketacare.site.demo.organisation_and_staff import BOSTON, LOCATIONS, PORTLAND, REFERENCE_DATE, DemoClinic
from ketacare.site.demo.patients import FIRST_NAMES, LAST_NAMES

# (status, how many). Every request is received when the demo is built, in this order; the inbox
# lists the newest first, so the new requests come last and read as the ones waiting on top.
INQUIRY_STATUSES = [
    (InquiryStatus.CONTACTED, 2),
    (InquiryStatus.SCHEDULED, 1),
    (InquiryStatus.DECLINED, 1),
    (InquiryStatus.NEW, 8),
]
STATUS_NOTES = {
    InquiryStatus.CONTACTED: "Left a voicemail; will try again tomorrow morning.",
    InquiryStatus.SCHEDULED: "Consultation booked; records requested from the referring psychiatrist.",
    InquiryStatus.DECLINED: "Looking for ketamine for chronic pain; referred to a pain clinic.",
}
CURRENT_TREATMENTS = [
    "Sertraline for two years, tried escitalopram before. Seeing a therapist every other week.",
    "Bupropion and talk therapy. Tried three antidepressants in the last four years.",
    "Venlafaxine; had a course of TMS last year that helped a little.",
    "Nothing at the moment; stopped duloxetine because of side effects.",
    "",
]
HEARD_ABOUT = ["My psychiatrist", "Web search", "A friend", "My primary care doctor", ""]
REASONS = [HelpReason.DEPRESSION, HelpReason.DEPRESSION, HelpReason.ANXIETY, HelpReason.PTSD,
           HelpReason.SUICIDAL_THOUGHTS]  # fmt: skip


def add_consultation_requests(clinic: DemoClinic) -> list[Inquiry]:
    rng = clinic.rng
    statuses = [status for status, count in INQUIRY_STATUSES for _ in range(count)]
    inquiries = []
    for number, status in enumerate(statuses, start=1):
        location_name = rng.choice([PORTLAND, BOSTON])
        location = clinic.locations[location_name]
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        reasons = rng.sample(REASONS, rng.randint(1, 2))
        declined = status == InquiryStatus.DECLINED
        submission = InquirySubmission(
            first_name=first,
            last_name=last,
            date_of_birth=REFERENCE_DATE - dt.timedelta(days=rng.randint(20 * 365, 68 * 365)),
            phone=f"+1{LOCATIONS[location_name]['area_code']}5550{190 + number % 10:03d}",
            email=f"{first}.{last}.request{number}@example.com".lower(),
            preferred_location_id=location.pk,
            windows=_windows(clinic, location),
            reasons=() if declined else tuple(reasons),
            reason_other="Chronic back pain" if declined else "",
            current_treatment=rng.choice(CURRENT_TREATMENTS),
            heard_about=rng.choice(HEARD_ABOUT),
            consent_to_contact=True,
        )
        # Anonymous, as from the public page.
        inquiry = do_submit_inquiry(None, organisation=clinic.organisation, submission=submission).inquiry
        if status != InquiryStatus.NEW:
            inquiry = do_change_inquiry_status(clinic.front_desk, inquiry.pk, status=status, note=STATUS_NOTES[status])
        inquiries.append(inquiry)
    return inquiries


def _windows(clinic: DemoClinic, location: Location) -> tuple[WindowRequest, ...]:
    """One to three day/time ranges in the coming two weeks, as the requester types them (local time)."""
    rng = clinic.rng
    local_today = timezone.localdate(timezone=location.zone)
    windows = []
    for days_ahead in sorted(rng.sample(range(1, 15), rng.randint(1, 3))):
        start_hour = rng.choice([9, 10, 13, 15])
        end_hour = start_hour + rng.choice([2, 3])
        windows.append(
            WindowRequest(
                date=local_today + dt.timedelta(days=days_ahead),
                start_time=dt.time(start_hour),
                end_time=dt.time(end_hour),
            )
        )
    return tuple(windows)
