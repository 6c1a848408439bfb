"""The X12 837P professional claim, version 005010X222A1, built from plain data (no Django).

`build_837p` writes one interchange (ISA/IEA) with one functional group (GS/GE) and one transaction
set (ST/SE): the submitter and receiver, one billing provider (the organisation), and under it one
subscriber loop per (subscriber, payer, patient) with that person's claims. Segment and loop names
follow the ASC X12 005010X222A1 implementation guide; the tests validate generated files with pyx12's
HIPAA maps. `claim_problems` lists what a claim still lacks for a valid file (the claim may not be
marked ready, nor exported, until it is empty).

Delimiters: `*` between elements, `:` between components, `^` repetition, `~` ends a segment. Text
from people (names, addresses) has those characters taken out, so no one can end a segment early.
"""

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from ketacare.billing.domain.claims import CORRECTING_FREQUENCIES, FREQUENCY_CODES, ORIGINAL

ELEMENT = "*"
COMPONENT = ":"
REPETITION = "^"
SEGMENT = "~"
IMPLEMENTATION = "005010X222A1"
MAX_DIAGNOSES_PER_CLAIM = 12  # HI: one principal + eleven other diagnoses
MAX_POINTERS_PER_LINE = 4  # SV107
MAX_LINES_PER_CLAIM = 50  # loop 2400 repeats at most 50 times

# Claim filing indicator (SBR09) by the payer's kind; anything else is "other non-federal program" (11).
CLAIM_FILING_INDICATORS = {"medicare": "MB", "medicaid": "MC", "commercial": "CI", "savings_program": "11"}
# DMG03: the patient's sex at birth as X12 spells it.
SEX_CODES = {"female": "F", "male": "M"}

_DELIMITERS = re.compile(r"[*:^~\r\n]")
_NPI = re.compile(r"\d{10}")


def clean(value: object, max_length: int | None = None) -> str:
    """`value` as an X12 element: plain ASCII (accents dropped: José → JOSE), delimiters taken out, spaces
    collapsed, upper case, cut to length."""
    ascii_text = unicodedata.normalize("NFKD", str(value)).encode("ascii", "ignore").decode("ascii")
    text = " ".join(_DELIMITERS.sub(" ", ascii_text).split()).upper()
    return text[:max_length] if max_length else text


def digits(value: str) -> str:
    return "".join(ch for ch in value if ch in "0123456789")


def npi_is_valid(npi: str) -> bool:
    """Ten digits whose last is the Luhn check digit over "80840" + the first nine (CMS's NPI rule)."""
    if not _NPI.fullmatch(npi):
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + npi[:9])):
        number = int(char) * (2 if position % 2 == 0 else 1)
        total += number - 9 if number > 9 else number
    return (10 - total % 10) % 10 == int(npi[9])


def amount(value: Decimal) -> str:
    """An X12 decimal: no trailing zeros after the point, no point for whole numbers ("150", "1289.8")."""
    text = f"{value.quantize(Decimal('0.01')):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def icd10_element(code: str) -> str:
    """ICD-10-CM codes go on a claim without their point (F33.2 → F332)."""
    return code.replace(".", "").upper()


@dataclass(frozen=True)
class Address:
    line: str
    city: str
    region: str  # US state code
    postal_code: str


@dataclass(frozen=True)
class Submitter:
    name: str
    identifier: str  # the submitter id the clearinghouse gave the clinic
    contact_name: str
    phone: str


@dataclass(frozen=True)
class Receiver:
    name: str
    identifier: str


@dataclass(frozen=True)
class BillingProvider:
    name: str
    npi: str
    tax_id: str  # EIN
    taxonomy_code: str
    address: Address


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    date_of_birth: dt.date | None
    sex: str  # "female", "male" or anything else (unknown)
    address: Address | None


@dataclass(frozen=True)
class PayerInfo:
    name: str
    payer_id: str
    kind: str  # PayerKind value


@dataclass(frozen=True)
class Subscriber:
    """The insured: their payer, member id and group, and who the patient is to them."""

    person: Person
    member_id: str
    group_number: str
    payer: PayerInfo
    responsibility: str  # P, S or T (SBR01)
    relationship: str  # X12 individual relationship of the patient to the subscriber: 18 = self


@dataclass(frozen=True)
class RenderingProvider:
    first_name: str
    last_name: str
    npi: str
    taxonomy_code: str


@dataclass(frozen=True)
class ServiceLine:
    code: str  # CPT or HCPCS
    modifiers: tuple[str, ...]
    charge: Decimal
    units: Decimal
    service_date: dt.date
    diagnosis_pointers: tuple[int, ...]  # 1-based positions in the claim's diagnoses


@dataclass(frozen=True)
class PriorPayer:
    """The payer that decided before this one (a savings-program claim after the primary's decision)."""

    subscriber: Subscriber
    paid: Decimal


@dataclass(frozen=True)
class ClaimData:
    control_number: str  # CLM01, the patient control number
    patient: Person
    subscriber: Subscriber
    place_of_service: str
    diagnosis_codes: tuple[str, ...]
    lines: tuple[ServiceLine, ...]
    rendering_provider: RenderingProvider | None = None
    prior_authorization: str = ""
    prior_payer: PriorPayer | None = None
    frequency_code: str = ORIGINAL  # CLM05-3: 1 original, 7 replacement, 8 void
    payer_claim_number: str = ""  # REF*F8: the payer's number of the claim a replacement or void corrects

    @property
    def total(self) -> Decimal:
        return sum((line.charge for line in self.lines), Decimal("0"))


@dataclass(frozen=True)
class Interchange:
    control_number: int  # ISA13 / GS06, unique per sender
    created_at: dt.datetime
    production: bool = True  # ISA15: P, else T (test)
    reference: str = ""  # BHT03, the originator's reference for this batch


def diagnosis_pointers(claim_codes: Sequence[str], line_codes: Sequence[str]) -> tuple[int, ...]:
    """The 1-based positions of `line_codes` among `claim_codes`, at most four (SV107)."""
    return tuple(claim_codes.index(code) + 1 for code in line_codes if code in claim_codes)[:MAX_POINTERS_PER_LINE]


def merged_diagnoses(lists: Iterable[Sequence[str]]) -> tuple[str, ...]:
    """Every code of `lists` once, in first-seen order, at most twelve (what an HI segment holds)."""
    seen: list[str] = []
    for codes in lists:
        seen.extend(code for code in codes if code not in seen)
    return tuple(seen[:MAX_DIAGNOSES_PER_CLAIM])


def _address_problems(label: str, address: Address | None, *, nine_digit_zip: bool = False) -> list[str]:
    if address is None or not (address.line.strip() and address.city.strip()):
        return [f"{label}: street address and city are required"]
    problems = []
    if not re.fullmatch(r"[A-Za-z]{2}", address.region.strip()):
        problems.append(f"{label}: give the two-letter state code")
    zip_digits = digits(address.postal_code)
    if nine_digit_zip and len(zip_digits) != 9:
        problems.append(f"{label}: the ZIP code must have nine digits (ZIP+4)")
    elif len(zip_digits) not in (5, 9):
        problems.append(f"{label}: give a five- or nine-digit ZIP code")
    return problems


def setup_problems(submitter: Submitter, receiver: Receiver, provider: BillingProvider) -> list[str]:
    """What the organisation's billing settings lack for an 837P file."""
    problems = []
    if not provider.name.strip():
        problems.append("Billing settings: the billing name is required")
    if not npi_is_valid(provider.npi):
        problems.append("Billing settings: the billing NPI must be a valid ten-digit NPI")
    if len(digits(provider.tax_id)) != 9:
        problems.append("Billing settings: the tax id (EIN) must have nine digits")
    problems += _address_problems("Billing settings", provider.address, nine_digit_zip=True)
    if not submitter.identifier.strip():
        problems.append("Billing settings: the X12 submitter id is required")
    if not (receiver.identifier.strip() and receiver.name.strip()):
        problems.append("Billing settings: the X12 receiver id and name are required")
    if len(digits(submitter.phone)) < 10:
        problems.append("Billing settings: a ten-digit phone number is required (the submitter's contact)")
    return problems


def claim_problems(claim: ClaimData) -> list[str]:
    """What `claim` lacks for a valid 837P; empty when it may be sent."""
    problems = []
    subscriber = claim.subscriber
    if not subscriber.member_id.strip():
        problems.append("Coverage: the member id is required")
    if not subscriber.payer.payer_id.strip():
        problems.append(f"Payer {subscriber.payer.name}: the electronic payer id is required")
    if subscriber.person.date_of_birth is None:
        problems.append("Subscriber: the date of birth is required")
    if not (subscriber.person.first_name.strip() and subscriber.person.last_name.strip()):
        problems.append("Subscriber: first and last name are required")
    problems += _address_problems("Subscriber", subscriber.person.address)
    if subscriber.relationship != "18":
        problems += _address_problems("Patient", claim.patient.address)
    if not claim.diagnosis_codes:
        problems.append("Diagnoses: at least one ICD-10-CM code is required")
    if not claim.lines:
        problems.append("Lines: the claim has no services")
    if len(claim.lines) > MAX_LINES_PER_CLAIM:
        problems.append(f"Lines: at most {MAX_LINES_PER_CLAIM} services on one claim")
    for number, line in enumerate(claim.lines, 1):
        if not line.diagnosis_pointers:
            problems.append(f"Line {number} ({line.code}): no diagnosis points to it")
        if line.charge <= 0:
            problems.append(f"Line {number} ({line.code}): the amount must be above zero")
    if claim.frequency_code not in FREQUENCY_CODES:
        problems.append(f"Claim frequency code {claim.frequency_code!r} is not 1, 7 or 8")
    elif claim.frequency_code in CORRECTING_FREQUENCIES and not clean(claim.payer_claim_number):
        problems.append("Payer claim number: a replacement or void names the payer's claim control number")
    if claim.rendering_provider is not None and not npi_is_valid(claim.rendering_provider.npi):
        name = f"{claim.rendering_provider.first_name} {claim.rendering_provider.last_name}"
        problems.append(f"Rendering provider {name}: a valid NPI is required (billing settings, providers)")
    return problems


@dataclass
class _Writer:
    segments: list[str] = field(default_factory=list)

    def add(self, *elements: str) -> None:
        values = list(elements)
        while values and values[-1] == "":
            values.pop()  # trailing empty elements are left out
        self.segments.append(ELEMENT.join(values) + SEGMENT)


def _address(writer: _Writer, address: Address) -> None:
    writer.add("N3", clean(address.line, 55))
    writer.add("N4", clean(address.city, 30), clean(address.region, 2), digits(address.postal_code))


def _person_name(writer: _Writer, entity: str, person: Person, id_qualifier: str = "", identifier: str = "") -> None:
    writer.add(
        "NM1",
        entity,
        "1",
        clean(person.last_name, 60),
        clean(person.first_name, 35),
        "",
        "",
        "",
        id_qualifier,
        clean(identifier, 80),
    )


def _demographics(writer: _Writer, person: Person) -> None:
    if person.date_of_birth is not None:
        writer.add("DMG", "D8", person.date_of_birth.strftime("%Y%m%d"), SEX_CODES.get(person.sex, "U"))


def _payer_name(writer: _Writer, payer: PayerInfo) -> None:
    writer.add("NM1", "PR", "2", clean(payer.name, 60), "", "", "", "", "PI", clean(payer.payer_id, 80))


def _subscriber(writer: _Writer, subscriber: Subscriber) -> None:
    writer.add(
        "SBR",
        subscriber.responsibility,
        "18" if subscriber.relationship == "18" else "",
        clean(subscriber.group_number, 50),
        "",
        "",
        "",
        "",
        "",
        CLAIM_FILING_INDICATORS.get(subscriber.payer.kind, "11"),
    )
    _person_name(writer, "IL", subscriber.person, "MI", subscriber.member_id)
    if subscriber.person.address is not None:
        _address(writer, subscriber.person.address)
    _demographics(writer, subscriber.person)
    _payer_name(writer, subscriber.payer)


def _claim(writer: _Writer, claim: ClaimData) -> None:
    writer.add(
        "CLM",
        clean(claim.control_number, 20),
        amount(claim.total),
        "",
        "",
        COMPONENT.join((claim.place_of_service, "B", claim.frequency_code)),  # place of service, professional
        "Y",  # provider's signature on file
        "A",  # assignment accepted
        "Y",  # benefits assigned
        "Y",  # release of information signed
    )
    if claim.prior_authorization.strip():
        writer.add("REF", "G1", clean(claim.prior_authorization, 50))
    if claim.frequency_code in CORRECTING_FREQUENCIES:
        writer.add("REF", "F8", clean(claim.payer_claim_number, 50))
    codes = [icd10_element(code) for code in claim.diagnosis_codes]
    writer.add("HI", *(f"{'ABK' if index == 0 else 'ABF'}{COMPONENT}{code}" for index, code in enumerate(codes)))
    if claim.rendering_provider is not None:
        provider = claim.rendering_provider
        writer.add(
            "NM1",
            "82",
            "1",
            clean(provider.last_name, 60),
            clean(provider.first_name, 35),
            "",
            "",
            "",
            "XX",
            provider.npi,
        )
        if provider.taxonomy_code.strip():
            writer.add("PRV", "PE", "PXC", clean(provider.taxonomy_code, 50))
    if claim.prior_payer is not None:
        other = claim.prior_payer.subscriber
        writer.add(
            "SBR",
            other.responsibility,
            other.relationship,
            clean(other.group_number, 50),
            "",
            "",
            "",
            "",
            "",
            CLAIM_FILING_INDICATORS.get(other.payer.kind, "11"),
        )
        writer.add("AMT", "D", amount(claim.prior_payer.paid))
        writer.add("OI", "", "", "Y", "", "", "Y")
        _person_name(writer, "IL", other.person, "MI", other.member_id)
        _payer_name(writer, other.payer)
    for number, line in enumerate(claim.lines, 1):
        writer.add("LX", str(number))
        procedure = COMPONENT.join(("HC", clean(line.code, 48), *(clean(m, 2) for m in line.modifiers[:4])))
        pointers = COMPONENT.join(str(pointer) for pointer in line.diagnosis_pointers)
        writer.add("SV1", procedure, amount(line.charge), "UN", amount(line.units), "", "", pointers)
        writer.add("DTP", "472", "D8", line.service_date.strftime("%Y%m%d"))


def build_837p(
    interchange: Interchange,
    submitter: Submitter,
    receiver: Receiver,
    provider: BillingProvider,
    claims: Sequence[ClaimData],
) -> str:
    """The 837P file for `claims` (one segment per line). Check `setup_problems` and `claim_problems` first."""
    if not claims:
        raise ValueError("an 837P file needs at least one claim")
    created = interchange.created_at
    control = f"{interchange.control_number:09d}"
    writer = _Writer()
    writer.add("ST", "837", "0001", IMPLEMENTATION)
    writer.add(
        "BHT",
        "0019",  # information source, subscriber, dependent
        "00",  # original
        clean(interchange.reference or control, 50),
        created.strftime("%Y%m%d"),
        created.strftime("%H%M"),
        "CH",  # chargeable
    )
    writer.add("NM1", "41", "2", clean(submitter.name, 60), "", "", "", "", "46", clean(submitter.identifier, 80))
    writer.add("PER", "IC", clean(submitter.contact_name or submitter.name, 60), "TE", digits(submitter.phone)[-10:])
    writer.add("NM1", "40", "2", clean(receiver.name, 60), "", "", "", "", "46", clean(receiver.identifier, 80))
    writer.add("HL", "1", "", "20", "1")
    if provider.taxonomy_code.strip():
        writer.add("PRV", "BI", "PXC", clean(provider.taxonomy_code, 50))
    writer.add("NM1", "85", "2", clean(provider.name, 60), "", "", "", "", "XX", provider.npi)
    _address(writer, provider.address)
    writer.add("REF", "EI", digits(provider.tax_id))
    hl = 1
    groups: dict[tuple[Subscriber, Person], list[ClaimData]] = {}
    for claim in claims:
        groups.setdefault((claim.subscriber, claim.patient), []).append(claim)
    for (subscriber, patient), group in groups.items():
        hl += 1
        subscriber_hl = hl
        patient_is_subscriber = subscriber.relationship == "18"
        writer.add("HL", str(subscriber_hl), "1", "22", "0" if patient_is_subscriber else "1")
        _subscriber(writer, subscriber)
        if not patient_is_subscriber:
            hl += 1
            writer.add("HL", str(hl), str(subscriber_hl), "23", "0")
            writer.add("PAT", subscriber.relationship)
            _person_name(writer, "QC", patient)
            if patient.address is not None:
                _address(writer, patient.address)
            _demographics(writer, patient)
        for claim in group:
            _claim(writer, claim)
    writer.add("SE", str(len(writer.segments) + 1), "0001")
    sender, receiving = clean(submitter.identifier, 15), clean(receiver.identifier, 15)
    envelope = _Writer()
    envelope.add(
        "ISA",
        "00",
        " " * 10,
        "00",
        " " * 10,
        "ZZ",
        sender.ljust(15),
        "ZZ",
        receiving.ljust(15),
        created.strftime("%y%m%d"),
        created.strftime("%H%M"),
        REPETITION,
        "00501",
        control,
        "0",  # no interchange acknowledgment requested
        "P" if interchange.production else "T",
        COMPONENT,
    )
    envelope.add(
        "GS",
        "HC",
        sender,
        receiving,
        created.strftime("%Y%m%d"),
        created.strftime("%H%M"),
        str(interchange.control_number),
        "X",
        IMPLEMENTATION,
    )
    trailer = _Writer()
    trailer.add("GE", "1", str(interchange.control_number))
    trailer.add("IEA", "1", control)
    return "\n".join(envelope.segments + writer.segments + trailer.segments) + "\n"
