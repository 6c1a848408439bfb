"""Printed claims: the CMS-1500 layout for payers that take paper, and the superbill a patient sends to an
out-of-network insurer. Every value a person typed enters the PDF through lib/pdf.py `text()`.

The CMS-1500 here is the form's content in its numbered items (1–33) on plain paper, for reading and
keying; payers that scan paper need the red-ink form printed in its exact positions, which is left for
later (docs/billing.md).
"""

from decimal import Decimal

from reportlab.lib.units import inch
from reportlab.platypus import Spacer

from ketacare.billing.domain.money import format_money
from ketacare.billing.domain.x12_837p import ClaimData, Person
from ketacare.billing.models import Claim, PayerKind
from ketacare.billing.selectors.claims import Superbill, claim_837p_data, interchange_parties
from ketacare.billing.selectors.fees import billing_settings_of
from ketacare.lib.pdf import grid_table, pdf_styles, render_pdf, text

POINTER_LETTERS = "ABCDEFGHIJKL"  # CMS-1500 item 21 names diagnoses by letter
RELATIONSHIPS = {"18": "Self", "01": "Spouse", "19": "Child", "G8": "Other"}
INSURANCE_TYPES = {
    PayerKind.MEDICARE: "Medicare",
    PayerKind.MEDICAID: "Medicaid",
    PayerKind.COMMERCIAL: "Group health plan",
    PayerKind.SAVINGS_PROGRAM: "Other",
    PayerKind.OTHER: "Other",
}


def _name(person: Person) -> str:
    return f"{person.last_name}, {person.first_name}"


def _address(person: Person) -> str:
    address = person.address
    if address is None:
        return ""
    return f"{address.line}\n{address.city}, {address.region} {address.postal_code}"


def _date(value) -> str:
    return value.strftime("%m/%d/%Y") if value else ""


def cms1500_pdf(claim: Claim) -> bytes:
    """The claim in the CMS-1500 (02/12) items: insured and patient, diagnoses, service lines, provider."""
    styles = pdf_styles()
    data: ClaimData = claim_837p_data(claim)
    submitter, _, provider = interchange_parties(billing_settings_of(claim.organisation))
    subscriber, patient = data.subscriber, data.patient
    money = claim.currency
    sex = {"female": "F", "male": "M"}
    items = [
        ["Item", "Content"],
        ["Carrier", f"{subscriber.payer.name} (payer id {subscriber.payer.payer_id})"],
        ["1. Insurance type", INSURANCE_TYPES.get(subscriber.payer.kind, "Other")],
        ["1a. Insured's ID number", subscriber.member_id],
        ["2. Patient's name", _name(patient)],
        ["3. Patient's birth date, sex", f"{_date(patient.date_of_birth)}  {sex.get(patient.sex, '')}"],
        ["4. Insured's name", _name(subscriber.person)],
        ["5. Patient's address", _address(patient)],
        ["6. Patient relationship to insured", RELATIONSHIPS.get(subscriber.relationship, subscriber.relationship)],
        ["7. Insured's address", _address(subscriber.person)],
        ["11. Insured's policy group", subscriber.group_number or "None"],
        ["11a. Insured's date of birth", _date(subscriber.person.date_of_birth)],
    ]
    if data.prior_payer is not None:
        other = data.prior_payer.subscriber
        items += [
            ["9. Other insured's name", _name(other.person)],
            ["9a. Other insured's policy", other.member_id],
            ["9d. Other plan name", other.payer.name],
            ["11d. Another health benefit plan?", "Yes"],
        ]
    items += [
        ["12. Patient's signature", "Signature on file"],
        ["13. Insured's signature", "Signature on file"],
        [
            "21. Diagnoses (ICD ind. 0)",
            "   ".join(f"{POINTER_LETTERS[i]}. {code}" for i, code in enumerate(data.diagnosis_codes)),
        ],
        [
            "22. Resubmission code, original ref. no.",
            f"{data.frequency_code}   {data.payer_claim_number}" if data.payer_claim_number else "",
        ],
        ["23. Prior authorization number", data.prior_authorization],
    ]
    lines = [
        [
            "24A. Date of service",
            "B. POS",
            "D. Procedure, modifiers",
            "E. Dx pointer",
            "F. Charges",
            "G. Units",
            "J. Rendering NPI",
        ]
    ]
    rendering_npi = data.rendering_provider.npi if data.rendering_provider else provider.npi
    for line in data.lines:
        lines.append(
            [
                _date(line.service_date),
                data.place_of_service,
                " ".join((line.code, *line.modifiers)),
                "".join(POINTER_LETTERS[pointer - 1] for pointer in line.diagnosis_pointers),
                format_money(line.charge, money),
                f"{line.units.normalize():f}",
                rendering_npi,
            ]
        )
    paid = data.prior_payer.paid if data.prior_payer else Decimal("0")
    location = claim.lines.select_related("charge__location").first().charge.location
    footer = [
        ["Item", "Content"],
        ["25. Federal tax ID (EIN)", provider.tax_id],
        ["26. Patient's account no.", claim.number],
        ["27. Accept assignment?", "Yes"],
        ["28. Total charge", format_money(data.total, money)],
        ["29. Amount paid", format_money(paid, money)],
        ["31. Signature of physician", _rendering_name(data)],
        ["32. Service facility location", f"{location.name}\n{location.address}".strip()],
        [
            "33. Billing provider",
            f"{provider.name}\n{provider.address.line}\n{provider.address.city}, "
            f"{provider.address.region} {provider.address.postal_code}\n{submitter.phone}",
        ],
        ["33a. Billing provider NPI", provider.npi],
        ["33b. Taxonomy", f"PXC {provider.taxonomy_code}" if provider.taxonomy_code else ""],
    ]
    story = [
        text(f"Health insurance claim (CMS-1500 layout), claim {claim.number}", styles.title),
        grid_table(items, styles.small, widths=[2.2 * inch, 4.8 * inch]),
        Spacer(1, 8),
        grid_table(lines, styles.small),
        Spacer(1, 8),
        grid_table(footer, styles.small, widths=[2.2 * inch, 4.8 * inch]),
    ]
    return render_pdf(story, title=f"Claim {claim.number}")


def _rendering_name(data: ClaimData) -> str:
    provider = data.rendering_provider
    return f"{provider.first_name} {provider.last_name} (signature on file)" if provider else "Signature on file"


def superbill_pdf(superbill: Superbill) -> bytes:
    """Patient and insurance ids, rendering and billing provider (NPI, taxonomy, tax id), place of service,
    ICD-10-CM diagnoses, each service (code, modifiers, units, fee, date) and what was paid."""
    styles = pdf_styles()
    settings, patient, money = superbill.settings, superbill.patient, superbill.currency
    name = settings.billing_name or patient.organisation.name
    story = [
        text(f"Superbill: {patient.first_name} {patient.last_name}", styles.title),
        text(f"Services from {superbill.date_from:%m/%d/%Y} to {superbill.date_to:%m/%d/%Y}", styles.body),
        text("Billing provider", styles.heading),
        text(name, styles.line),
        text(f"{settings.address_line}\n{settings.city} {settings.region} {settings.postal_code}".strip(), styles.line),
        text(f"Phone {settings.phone or patient.organisation.phone}", styles.line),
        text(
            f"NPI {settings.billing_npi or 'not recorded'} · Tax id (EIN) {settings.tax_id or 'not recorded'}"
            f" · Taxonomy {settings.taxonomy_code or 'not recorded'}",
            styles.line,
        ),
        text("Patient", styles.heading),
        text(
            f"{patient.first_name} {patient.last_name} · date of birth {patient.date_of_birth:%m/%d/%Y}"
            f" · record {patient.record_number}",
            styles.line,
        ),
        text(f"{patient.address_line}\n{patient.city} {patient.region} {patient.postal_code}".strip(), styles.line),
    ]
    coverage = superbill.coverage
    if coverage is not None:
        story.append(
            text(
                f"Insurance: {coverage.payer.name} · member id {coverage.member_id}"
                + (f" · group {coverage.group_number}" if coverage.group_number else ""),
                styles.line,
            )
        )
    else:
        story.append(text("Insurance: none on file (self-pay)", styles.line))
    story.append(text("Rendering providers", styles.heading))
    providers = [["Name", "NPI", "Taxonomy"]] + [
        [f"{user.first_name} {user.last_name}", provider.npi or "not recorded", provider.taxonomy_code]
        for user, provider in superbill.rendering_providers
    ]
    story.append(grid_table(providers, styles.small))
    story.append(text("Diagnoses (ICD-10-CM)", styles.heading))
    story.append(
        text("   ".join(f"{i}. {code}" for i, code in enumerate(superbill.diagnosis_codes, 1)) or "None", styles.body)
    )
    story.append(text("Services", styles.heading))
    rows = [["Date", "Place of service", "Code", "Modifiers", "Description", "Dx", "Units", "Fee", "Paid"]]
    for line in superbill.lines:
        charge = line.charge
        pointers = ",".join(str(superbill.diagnosis_codes.index(code) + 1) for code in charge.diagnosis_codes[:4])
        rows.append(
            [
                f"{charge.service_date:%m/%d/%Y}",
                charge.place_of_service,
                charge.code,
                charge.modifiers,
                charge.description,
                pointers,
                f"{charge.units.normalize():f}",
                format_money(charge.amount, money),
                format_money(line.paid, money),
            ]
        )
    story.append(grid_table(rows, styles.fine))
    story.append(Spacer(1, 8))
    story.append(text(f"Total charges: {format_money(superbill.total, money)}", styles.line))
    story.append(text(f"Amount paid: {format_money(superbill.paid, money)}", styles.line))
    story.append(
        text(f"Balance for these services: {format_money(superbill.total - superbill.paid, money)}", styles.line)
    )
    return render_pdf(story, title=f"Superbill {patient.record_number}")
