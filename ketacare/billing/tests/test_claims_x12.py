"""The 837P builder (billing/domain/x12_837p.py): files pyx12 accepts, and what a claim must have first."""

import datetime as dt
from decimal import Decimal

from ketacare.billing.domain.x12_837p import (
    Address,
    BillingProvider,
    ClaimData,
    Interchange,
    PayerInfo,
    Person,
    PriorPayer,
    Receiver,
    RenderingProvider,
    ServiceLine,
    Submitter,
    Subscriber,
    amount,
    build_837p,
    claim_problems,
    clean,
    diagnosis_pointers,
    merged_diagnoses,
    npi_is_valid,
    setup_problems,
)

HOME = Address("12 Elm Street", "Portland", "OR", "97201")
PROVIDER = BillingProvider(
    "Harbor Clinic", "1234567893", "12-3456789", "261QM0801X", Address("1 Main", "Portland", "OR", "97201-1234")
)
SUBMITTER = Submitter("Harbor Clinic", "HARBOR01", "Billing office", "+1 503 555 0100")
RECEIVER = Receiver("Example Clearinghouse", "CLEARING01")
MEDICARE = PayerInfo("Medicare Part B", "01212", "medicare")
ANN = Person("Ann", "O'Neil", dt.date(1950, 3, 4), "female", HOME)
ANN_MEDICARE = Subscriber(ANN, "1EG4TE5MK73", "", MEDICARE, "P", "18")
PRESCRIBER = RenderingProvider("Rita", "Prescott", "1245319599", "2084P0800X")
SERVICE_DAY = dt.date(2026, 12, 1)


def g2083_claim(**changes) -> ClaimData:
    values = {
        "control_number": "C000001",
        "patient": ANN,
        "subscriber": ANN_MEDICARE,
        "place_of_service": "11",
        "diagnosis_codes": ("F33.2", "F41.1"),
        "lines": (ServiceLine("G2083", (), Decimal("1289.82"), Decimal("1"), SERVICE_DAY, (1,)),),
        "rendering_provider": PRESCRIBER,
        "prior_authorization": "PA-2026-77",
    }
    values.update(changes)
    return ClaimData(**values)


def dependant_claim() -> ClaimData:
    """A child on a parent's commercial plan: the patient loop (2000C) follows the subscriber."""
    parent = Person("Bob", "Smith", dt.date(1970, 3, 4), "male", HOME)
    child = Person("Kim", "Smith", dt.date(2005, 6, 1), "", HOME)
    subscriber = Subscriber(parent, "W123456789", "GRP-9", PayerInfo("Aetna", "60054", "commercial"), "P", "19")
    line = ServiceLine("J0013", ("KX",), Decimal("560.00"), Decimal("56"), SERVICE_DAY, (1, 2))
    return ClaimData("C000002", child, subscriber, "11", ("F33.2", "F41.1"), (line,))


def savings_claim() -> ClaimData:
    """The savings-program claim after Medicare paid: the primary's decision in loop 2320."""
    savings = Subscriber(ANN, "SAV-1", "", PayerInfo("Spravato savings program", "JCP01", "savings_program"), "S", "18")
    return g2083_claim(
        control_number="C000003",
        subscriber=savings,
        prior_authorization="",
        prior_payer=PriorPayer(ANN_MEDICARE, Decimal("1031.86")),
    )


def build(claims, control_number=7) -> str:
    return build_837p(
        Interchange(control_number, dt.datetime(2026, 12, 7, 9, 30)), SUBMITTER, RECEIVER, PROVIDER, claims
    )


def test_pyx12_accepts_a_medicare_g2083_claim(x12_problems):
    text = build([g2083_claim()])
    assert x12_problems(text) == []
    assert "SV1*HC:G2083*1289.82*UN*1***1~" in text
    assert "SBR*P*18*******MB~" in text  # Medicare Part B
    assert "REF*G1*PA-2026-77~" in text  # the prior authorisation
    assert "HI*ABK:F332*ABF:F411~" in text  # ICD-10-CM without the point


def test_pyx12_accepts_several_subscribers_a_dependant_and_a_secondary_claim(x12_problems):
    text = build([g2083_claim(), dependant_claim(), savings_claim()])
    assert x12_problems(text) == []
    assert "PAT*19~" in text and "NM1*QC*1*SMITH*KIM~" in text
    assert "SV1*HC:J0013:KX*560*UN*56***1:2~" in text
    assert "AMT*D*1031.86~" in text  # what the primary paid


def test_pyx12_reports_a_broken_file(x12_problems):
    """The check can fail: a file without its diagnoses, and one whose segment count lies, are refused."""
    text = build([g2083_claim()])
    assert x12_problems(text.replace("HI*ABK:F332*ABF:F411~\n", ""))
    segment_count = next(line for line in text.splitlines() if line.startswith("SE*"))
    assert x12_problems(text.replace(segment_count, "SE*3*0001~"))


def test_people_cannot_break_the_segments():
    """A name with X12 delimiters stays one element: the delimiters are taken out."""
    claim = g2083_claim(patient=Person("Ann~ST*", "Smith*X:Y^", dt.date(1950, 3, 4), "female", HOME))
    assert clean("Smith*X:Y^~") == "SMITH X Y"
    assert clean("José Núñez") == "JOSE NUNEZ"  # the file is ASCII
    text = build([claim])
    assert all(line.count("~") == 1 and line.endswith("~") for line in text.splitlines())


def test_envelope_control_numbers_and_counts():
    text = build([g2083_claim()], control_number=42)
    lines = text.splitlines()
    assert lines[0].startswith(
        "ISA*00*          *00*          *ZZ*HARBOR01       *ZZ*CLEARING01     *261207*0930*^*00501*000000042*0*P*:~"
    )
    assert len(lines[0]) == 106  # the ISA is fixed width
    assert lines[-1] == "IEA*1*000000042~" and lines[-2] == "GE*1*42~"
    st, se = lines.index("ST*837*0001*005010X222A1~"), len(lines) - 3
    assert lines[se] == f"SE*{se - st + 1}*0001~"


def test_amounts_units_and_pointers():
    assert amount(Decimal("150.00")) == "150"
    assert amount(Decimal("1289.80")) == "1289.8"
    assert amount(Decimal("0.5")) == "0.5"
    assert merged_diagnoses([["F33.2"], ["F41.1", "F33.2"], []]) == ("F33.2", "F41.1")
    assert diagnosis_pointers(("F33.2", "F41.1", "F43.1"), ["F43.1", "F33.2", "Z00.0"]) == (3, 1)


def test_npi_check_digit():
    assert npi_is_valid("1234567893")  # CMS's worked example
    assert not npi_is_valid("1234567890")
    assert not npi_is_valid("123456789")


def test_claim_problems_name_what_is_missing():
    assert claim_problems(g2083_claim()) == []
    bare = Person("Ann", "O'Neil", None, "", None)
    claim = g2083_claim(
        patient=bare,
        subscriber=Subscriber(bare, "", "", PayerInfo("Medicare Part B", "", "medicare"), "P", "18"),
        diagnosis_codes=(),
        lines=(ServiceLine("G2083", (), Decimal("0"), Decimal("1"), SERVICE_DAY, ()),),
        rendering_provider=RenderingProvider("Rita", "Prescott", "1111111111", ""),
    )
    problems = "\n".join(claim_problems(claim))
    for expected in (
        "member id",
        "electronic payer id",
        "date of birth",
        "Subscriber: street address",
        "at least one ICD-10-CM",
        "Line 1 (G2083): no diagnosis",
        "amount must be above zero",
        "Rendering provider Rita Prescott",
    ):
        assert expected in problems


def test_setup_problems_name_the_settings():
    assert setup_problems(SUBMITTER, RECEIVER, PROVIDER) == []
    five_digit_zip = BillingProvider("", "1234567890", "123", "", Address("1 Main", "Portland", "Oregon", "97201"))
    problems = "\n".join(setup_problems(Submitter("", "", "", ""), Receiver("", ""), five_digit_zip))
    for expected in (
        "billing name",
        "billing NPI",
        "tax id",
        "two-letter state",
        "nine digits",
        "submitter id",
        "receiver",
    ):
        assert expected in problems


def test_pyx12_accepts_a_replacement_and_a_void_naming_the_payers_claim_number(x12_problems):
    """CLM05-3 says what the claim does (7 replaces, 8 voids) and REF*F8 which claim of the payer's it corrects."""
    replacement = g2083_claim(control_number="C000004", frequency_code="7", payer_claim_number="ICN-2026-0042")
    void = g2083_claim(control_number="C000005", frequency_code="8", payer_claim_number="ICN-2026-0042")
    text = build([replacement, void])
    assert x12_problems(text) == []
    assert "CLM*C000004*1289.82***11:B:7*Y*A*Y*Y~" in text and "CLM*C000005*1289.82***11:B:8*Y*A*Y*Y~" in text
    assert text.count("REF*F8*ICN-2026-0042~") == 2
    original = build([g2083_claim()])
    assert "11:B:1*" in original and "REF*F8" not in original


def test_a_replacement_or_void_without_the_payers_number_is_not_ready():
    assert claim_problems(g2083_claim()) == []
    for frequency in ("7", "8"):
        problems = claim_problems(g2083_claim(frequency_code=frequency, payer_claim_number=" ~ "))
        assert any("Payer claim number" in problem for problem in problems)
    assert any("frequency code" in problem for problem in claim_problems(g2083_claim(frequency_code="5")))
