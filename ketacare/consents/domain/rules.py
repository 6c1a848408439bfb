"""Pure consent rules: what each treatment route needs signed, when a signature expires, the text's hash."""

import calendar
import datetime as dt
import hashlib
from enum import StrEnum


class Coverage(StrEnum):
    """What a consent text covers (issue 16.1); a template may cover several."""

    KETAMINE_IV = "ketamine_iv"
    KETAMINE_IM = "ketamine_im"
    KETAMINE_SUBLINGUAL = "ketamine_sublingual"
    ESKETAMINE = "esketamine"
    REMS_ENROLLMENT = "rems_enrollment"
    INTEGRATION_THERAPY = "integration_therapy"
    TELEHEALTH = "telehealth"
    FINANCIAL_POLICY = "financial_policy"
    PRIVACY_NOTICE = "privacy_notice"


COVERAGE_VALUES = frozenset(coverage.value for coverage in Coverage)

COVERAGE_LABELS: dict[Coverage, str] = {
    Coverage.KETAMINE_IV: "IV ketamine",
    Coverage.KETAMINE_IM: "IM ketamine",
    Coverage.KETAMINE_SUBLINGUAL: "sublingual ketamine",
    Coverage.ESKETAMINE: "esketamine (Spravato)",
    Coverage.REMS_ENROLLMENT: "the Spravato REMS patient enrollment",
    Coverage.INTEGRATION_THERAPY: "integration therapy",
    Coverage.TELEHEALTH: "telehealth",
    Coverage.FINANCIAL_POLICY: "the financial policy",
    Coverage.PRIVACY_NOTICE: "the privacy notice",
}

# A treatment plan's route (protocols.Route values) -> what must be signed before it starts.
# Esketamine also needs the REMS patient enrollment form signed by the patient (CLINICAL.md §2).
ROUTE_COVERAGE: dict[str, tuple[Coverage, ...]] = {
    "iv": (Coverage.KETAMINE_IV,),
    "im": (Coverage.KETAMINE_IM,),
    "sublingual": (Coverage.KETAMINE_SUBLINGUAL,),
    "intranasal_esketamine": (Coverage.ESKETAMINE, Coverage.REMS_ENROLLMENT),
}


def required_coverage(route: str) -> tuple[Coverage, ...]:
    """What a plan or session on `route` needs signed; () for a route this table does not know."""
    return ROUTE_COVERAGE.get(route, ())


def add_months(moment: dt.datetime, months: int) -> dt.datetime:
    """`moment` plus whole calendar months, the day clamped to the month's end (31 Jan + 1 = 28/29 Feb)."""
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


def text_sha256(text: str) -> str:
    """The hex SHA-256 of the exact text signed (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def is_superseded(signed_major: int, current_major: int | None) -> bool:
    """A signature holds until the clinic's current text of the same consent reaches a new major version."""
    return current_major is not None and current_major > signed_major
