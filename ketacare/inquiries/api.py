"""REST endpoints for consultation requests: the public submission, and the staff inbox.

Same actions and selectors as the pages. Only the submission is public
(auth=None); the rest use the API's default authentication.
"""

import datetime as dt

from ninja import Field, Query, Router, Schema

from ketacare.clinics.selectors import access_public_clinic_by_slug
from ketacare.inquiries.actions import (
    InquiryAlreadyConverted,
    do_change_inquiry_status,
    do_convert_inquiry,
    do_submit_inquiry,
)
from ketacare.inquiries.domain.validation import InquirySubmission, WindowRequest, format_window
from ketacare.inquiries.models import Inquiry, InquiryStatus
from ketacare.inquiries.selectors import access_inquiry_by_id, access_inquiry_inbox
from ketacare.inquiries.throttle import submission_rate_limited
from ketacare.lib.api import READ_ERRORS, WRITE_ERRORS, PathId
from ketacare.lib.api_errors import ErrorOut, ValidationErrorOut
from ketacare.patients.actions import PossibleDuplicatePatients
from ketacare.patients.schemas import PossibleDuplicatesOut
from ketacare.patients.selectors import access_possible_duplicates

router = Router(tags=["inquiries"])


class WindowIn(Schema):
    date: dt.date
    start_time: dt.time
    end_time: dt.time


class InquiryIn(Schema):
    """A consultation request. Fields are checked by the same rules as the web form;
    times are local to the preferred location (or the organisation's first location)."""

    organisation: str = Field(description="The organisation's slug", pattern=r"^[-a-zA-Z0-9_]+$", max_length=80)
    first_name: str = ""
    last_name: str = ""
    date_of_birth: dt.date | None = None
    phone: str = Field("", description="Any common format; stored as E.164 (default region US)")
    email: str = ""
    preferred_location_id: int | None = None
    windows: list[WindowIn] = Field(default_factory=list, description="1 to 5 day/time windows")
    reasons: list[str] = Field(default_factory=list, description="depression, anxiety, ptsd, suicidal_thoughts, other")
    reason_other: str = ""
    current_treatment: str = ""
    heard_about: str = ""
    consent_to_contact: bool = False
    website: str = Field("", description="Leave empty")

    def to_submission(self) -> InquirySubmission:
        return InquirySubmission(
            first_name=self.first_name,
            last_name=self.last_name,
            date_of_birth=self.date_of_birth,
            phone=self.phone,
            email=self.email,
            preferred_location_id=self.preferred_location_id,
            windows=tuple(WindowRequest(w.date, w.start_time, w.end_time) for w in self.windows),
            reasons=tuple(self.reasons),
            reason_other=self.reason_other,
            current_treatment=self.current_treatment,
            heard_about=self.heard_about,
            consent_to_contact=self.consent_to_contact,
            website=self.website,
        )


class ReceiptOut(Schema):
    received: bool
    message: str
    crisis_line: str
    crisis_text: str


class InquiryLocationOut(Schema):
    id: int
    name: str
    time_zone: str


class WindowOut(Schema):
    starts_at: dt.datetime
    ends_at: dt.datetime
    local: str = Field(description="As the location's clock shows it, e.g. 'Tue 1 Dec, 9:00–12:00 PST'")


class InquiryOut(Schema):
    id: int
    status: str
    first_name: str
    last_name: str
    date_of_birth: dt.date
    age_years: int
    phone: str
    email: str
    preferred_location: InquiryLocationOut | None
    time_zone: str
    windows: list[WindowOut]
    reasons: list[str]
    reason_other: str
    current_treatment: str
    heard_about: str
    consent_to_contact: bool
    status_note: str
    submission_count: int
    submitted_at: dt.datetime
    updated_at: dt.datetime
    patient_id: int | None

    @staticmethod
    def resolve_windows(inquiry: Inquiry) -> list[dict]:
        return [
            {
                "starts_at": window.starts_at,
                "ends_at": window.ends_at,
                "local": format_window(window.starts_at, window.ends_at, inquiry.zone),
            }
            for window in inquiry.preferred_windows
        ]


class InquiryListOut(Schema):
    count: int
    page: int
    pages: int
    counts: dict[str, int]
    results: list[InquiryOut]


class InquiryStatusIn(Schema):
    status: str = Field(description="new, contacted, scheduled or declined")
    note: str = ""


class ConvertOut(Schema):
    patient_id: int
    record_number: str


RECEIVED_MESSAGE = (
    "We received your consultation request. A member of our team will contact you by phone or "
    "email. This service is not for emergencies."
)


@router.post(
    "",
    auth=None,
    response={201: ReceiptOut, 400: ErrorOut, 404: ErrorOut, 422: ValidationErrorOut, 429: ErrorOut},
    summary="Send a consultation request (public)",
    description=(
        "201 whenever the request is accepted. A repeat from the same person within 24 hours "
        "updates their first request; the answer is the same either way, so it never reveals "
        "whether someone has already asked for care."
    ),
)
def submit_inquiry(request, payload: InquiryIn):
    if submission_rate_limited(request):
        return 429, {
            "detail": "Too many requests from this address in a short time; nothing was stored. Try again later."
        }
    organisation = access_public_clinic_by_slug(payload.organisation).organisation
    do_submit_inquiry(request.user, organisation=organisation, submission=payload.to_submission())
    return 201, {
        "received": True,
        "message": RECEIVED_MESSAGE,
        "crisis_line": organisation.crisis_line,
        "crisis_text": organisation.crisis_text,
    }


@router.get(
    "",
    response={200: InquiryListOut, **READ_ERRORS},
    summary="The inbox, newest first",
)
def list_inquiries(request, status: InquiryStatus | None = None, page: int = 1):
    inbox = access_inquiry_inbox(request.user, status=status, page_number=page)
    return {
        "count": inbox.page.paginator.count,
        "page": inbox.page.number,
        "pages": inbox.page.paginator.num_pages,
        "counts": {tab.status: tab.count for tab in inbox.tabs},
        "results": inbox.page.object_list,
    }


@router.get("/{inquiry_id}", response={200: InquiryOut, **READ_ERRORS})
def get_inquiry(request, inquiry_id: int = PathId):
    return access_inquiry_by_id(request.user, inquiry_id)


@router.post(
    "/{inquiry_id}/status",
    response={200: InquiryOut, **WRITE_ERRORS},
)
def change_inquiry_status(request, payload: InquiryStatusIn, inquiry_id: int = PathId):
    return do_change_inquiry_status(request.user, inquiry_id, status=payload.status, note=payload.note)


@router.post(
    "/{inquiry_id}/convert",
    response={201: ConvertOut, **WRITE_ERRORS, 409: PossibleDuplicatesOut},
    summary="Register the requester as a patient",
    description=(
        "422 when the patient registry refuses the request's details (named per field). 409 when the request was "
        "already converted (no candidates), or with the registry's possible duplicates of the requester (same name "
        "and birth date, email or phone) unless confirm_not_duplicate=true."
    ),
)
def convert_inquiry(request, inquiry_id: int = PathId, confirm_not_duplicate: bool = Query(False)):
    try:
        patient = do_convert_inquiry(request.user, inquiry_id, confirm_not_duplicate=confirm_not_duplicate)
    except InquiryAlreadyConverted as refused:
        return 409, {"detail": " ".join(refused.messages), "candidates": []}
    except PossibleDuplicatePatients as warning:
        detail = " ".join(warning.message_dict["confirm_not_duplicate"])
        return 409, {"detail": detail, "candidates": access_possible_duplicates(request.user, warning.candidate_ids)}
    return 201, {"patient_id": patient.pk, "record_number": patient.record_number}
