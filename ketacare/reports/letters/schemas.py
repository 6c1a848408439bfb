"""API shapes of referral letters (names unique across the API)."""

import datetime as dt
from typing import Annotated

from ninja import Schema
from pydantic import StringConstraints

from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK

LetterBody = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=20_000)]
RecipientName = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=200)]
RecipientAddress = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=1000)]


class ReferralLetterIn(Schema):
    """Blank fields are filled in: the recipient from the patient's referring clinician, the body
    from the organisation's template and the progress summary."""

    recipient_name: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=200)] = ""
    recipient_address: RecipientAddress = ""
    body: Annotated[str, StringConstraints(pattern=NO_NUL, max_length=20_000)] = ""


class ReferralLetterChangeIn(Schema):
    recipient_name: RecipientName | None = None
    recipient_address: RecipientAddress | None = None
    body: LetterBody | None = None

    def changes(self) -> dict:
        return {name: value for name, value in self.dict().items() if value is not None}


class ReferralLetterOut(Schema):
    id: int
    patient_id: int
    author_id: int
    letterhead_name: str
    letterhead_address: str
    letterhead_phone: str
    recipient_name: str
    recipient_address: str
    body: str
    status: str
    signed_by_id: int | None
    signed_at: dt.datetime | None
    created_at: dt.datetime
