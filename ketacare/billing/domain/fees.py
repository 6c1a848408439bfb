"""The shape of what a fee schedule and a billing identity hold (pure; no Django).

Each check returns the problem as a sentence for the field, or None; callers raise it on the field.
Sources: NPI check digit, CMS "Requirements for NPI check digit" (Luhn over "80840" + the first nine
digits); CPT codes are five characters (AMA: four digits + a digit, F or T); HCPCS Level II codes are a
letter and four digits (CMS HCPCS file); claim line modifiers are two characters, at most four per line
(837P SV101-3..6, CMS-1500 box 24D).
"""

import re

CPT_CODE = re.compile(r"^\d{4}[0-9FTU]$")
HCPCS_CODE = re.compile(r"^[A-V]\d{4}$")
CLINIC_CODE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,9}$")
MODIFIER = re.compile(r"^[A-Z0-9]{2}$")
MAX_MODIFIERS = 4
NPI_PREFIX = "80840"  # card issuer prefix for US health applications (CMS NPI check digit rule)
TAXONOMY_CODE = re.compile(r"^\d{3}[0-9A-Z]{6}X$")  # NUCC taxonomy: 10 characters ending in X
TAX_ID = re.compile(r"^\d{9}$")
PLACE_OF_SERVICE = re.compile(r"^\d{2}$")


def code_problem(code_system: str, code: str) -> str | None:
    """Why `code` is not a code of `code_system` ("cpt", "hcpcs", "clinic"), or None."""
    if code_system == "cpt" and not CPT_CODE.match(code):
        return "A CPT code is five characters: four digits and a digit, F, T or U (e.g. 96365)."
    if code_system == "hcpcs" and not HCPCS_CODE.match(code):
        return "A HCPCS Level II code is a letter and four digits (e.g. J0013)."
    if code_system == "clinic" and not CLINIC_CODE.match(code):
        return "A clinic code is up to 10 letters, digits or hyphens."
    return None


def normalise_modifiers(text: str) -> tuple[str, str | None]:
    """("25,59", None) from " 25, 59 "; (text, problem) when it is not up to four two-character modifiers."""
    parts = [part.strip().upper() for part in text.replace(" ", ",").split(",") if part.strip()]
    if len(parts) > MAX_MODIFIERS:
        return text, "At most four modifiers."
    if any(not MODIFIER.match(part) for part in parts):
        return text, "Modifiers are two letters or digits each, separated by commas (e.g. 25,59)."
    return ",".join(parts), None


def npi_problem(npi: str) -> str | None:
    """Why `npi` is not a valid National Provider Identifier (10 digits, Luhn check digit), or None."""
    if not re.fullmatch(r"\d{10}", npi):
        return "An NPI is 10 digits."
    digits = [int(d) for d in NPI_PREFIX + npi[:9]]
    total = 0
    # Luhn: double every second digit from the right of the payload (the check digit excluded).
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    check = (10 - total % 10) % 10
    if check != int(npi[9]):
        return "This NPI's check digit is wrong; check for a typing error."
    return None


def taxonomy_problem(code: str) -> str | None:
    if code and not TAXONOMY_CODE.match(code):
        return "A taxonomy code is 10 characters ending in X (e.g. 2084P0800X)."
    return None


def tax_id_problem(tax_id: str) -> str | None:
    if tax_id and not TAX_ID.match(tax_id):
        return "A tax id (EIN) is 9 digits, without the hyphen."
    return None


def place_of_service_problem(code: str) -> str | None:
    if not PLACE_OF_SERVICE.match(code):
        return "A place-of-service code is two digits (11 = office)."
    return None
