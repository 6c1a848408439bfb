"""API shapes of clinics: locations (names unique across the API, ketacare/tests/test_openapi_components.py)."""

from typing import Annotated

from ninja import Schema
from pydantic import StringConstraints

from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK, TEXT_MAX_CHARS

LocationName = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=200)]
ZoneName = Annotated[str, StringConstraints(pattern=NO_NUL_NOT_BLANK, max_length=64)]
Address = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=TEXT_MAX_CHARS)]
Phone = Annotated[str, StringConstraints(pattern=NO_NUL, max_length=32)]


class ClinicLocationOut(Schema):
    id: int
    name: str
    address: str
    time_zone: str
    phone: str
    is_active: bool


class ClinicLocationIn(Schema):
    name: LocationName
    time_zone: ZoneName
    address: Address = ""
    phone: Phone = ""


class ClinicLocationChangeIn(Schema):
    """Only the fields given change."""

    name: LocationName | None = None
    time_zone: ZoneName | None = None
    address: Address | None = None
    phone: Phone | None = None


class LocationBookingOut(Schema):
    label: str
    url: str


class LocationStillBookedOut(Schema):
    """409: the location still has appointments to come (move or cancel them first)."""

    detail: str
    still_booked: list[LocationBookingOut]
