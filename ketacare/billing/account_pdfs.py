"""The patient's statement, an invoice and a payment receipt as PDFs (lib/pdf.py: every value through text()).

Each carries the clinic as the billing settings name it (BillingSettings), and the patient as a bill needs
them: name, date of birth, address, record number. Times are printed in `zone` with the zone named.
"""

import datetime as dt
import zoneinfo

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Spacer

from ketacare.billing.domain.money import format_money
from ketacare.billing.models import AccountEntry
from ketacare.billing.selectors.accounts import Account, InvoiceSummary, patient_balance
from ketacare.billing.selectors.fees import billing_settings_of
from ketacare.lib.pdf import PdfStyles, grid_table, pdf_styles, render_pdf, text
from ketacare.patients.models import Patient


def _clinic_lines(organisation) -> list[str]:
    settings = billing_settings_of(organisation)
    place = ", ".join(part for part in (settings.city, f"{settings.region} {settings.postal_code}".strip()) if part)
    lines = [settings.billing_name or organisation.name, settings.address_line, place, settings.phone]
    if settings.tax_id:
        lines.append(f"Tax id {settings.tax_id}")
    return [line for line in lines if line]


def _patient_lines(patient: Patient) -> list[str]:
    place = ", ".join(part for part in (patient.city, f"{patient.region} {patient.postal_code}".strip()) if part)
    return [
        part
        for part in (
            f"{patient.full_name}",
            f"Date of birth {patient.date_of_birth:%Y-%m-%d} · Record {patient.record_number}",
            patient.address_line,
            place,
        )
        if part
    ]


def _header(styles: PdfStyles, title: str, patient: Patient) -> list[Flowable]:
    story: list[Flowable] = [text(title, styles.title)]
    story += [text(line, styles.line) for line in _clinic_lines(patient.organisation)]
    story.append(Spacer(1, 0.15 * inch))
    story.append(text("Patient", styles.subheading))
    story += [text(line, styles.line) for line in _patient_lines(patient)]
    story.append(Spacer(1, 0.15 * inch))
    return story


def _when(moment: dt.datetime, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def statement_pdf(account: Account, *, zone: zoneinfo.ZoneInfo, today: dt.date) -> bytes:
    styles = pdf_styles()
    currency = account.currency
    story = _header(styles, "Statement of account", account.patient)
    story.append(text(f"Statement date {today:%Y-%m-%d}. Times in {zone.key}.", styles.body))
    if account.lines:
        rows = [["Date", "Description", "Amount", "Balance"]]
        rows += [
            [
                _when(line.entry.posted_at, zone),
                line.description + (" (reversed)" if line.reversed else ""),
                format_money(line.amount, currency),
                format_money(line.balance_after, currency),
            ]
            for line in account.lines
        ]
        story.append(grid_table(rows, styles.small, widths=[1.4 * inch, 3.6 * inch, 1 * inch, 1 * inch]))
    else:
        story.append(text("No entries yet.", styles.body))
    totals = account.totals
    story.append(Spacer(1, 0.15 * inch))
    for label, amount in (
        ("Charges", totals.charges),
        ("Payments", totals.payments),
        ("Adjustments and write-offs", totals.adjustments),
    ):
        story.append(text(f"{label}: {format_money(amount, currency)}", styles.line))
    due = "Balance due" if totals.balance >= 0 else "Credit on account"
    story.append(text(f"{due}: {format_money(abs(totals.balance), currency)}", styles.heading))
    packages = [package for package in account.packages if package.left > 0]
    if packages:
        story.append(text("Prepaid sessions left", styles.subheading))
        for package in packages:
            state = "expired" if package.expired else f"valid until {package.sale.valid_until:%Y-%m-%d}"
            story.append(
                text(f"{package.sale.name}: {package.left} of {package.sale.sessions_included} ({state})", styles.line)
            )
    message = billing_settings_of(account.patient.organisation).statement_message
    if message:
        story.append(Spacer(1, 0.15 * inch))
        story.append(text(message, styles.body))
    return render_pdf(story, title=f"Statement {account.patient.record_number}")


def invoice_pdf(summary: InvoiceSummary, *, zone: zoneinfo.ZoneInfo) -> bytes:
    styles = pdf_styles()
    invoice = summary.invoice
    currency = invoice.currency
    story = _header(styles, f"Invoice {invoice.number}", invoice.patient)
    story.append(text(f"Issued {_when(invoice.issued_at, zone)} · Due {invoice.due_date:%Y-%m-%d}", styles.body))
    rows = [["Date", "Code", "Description", "Units", "Amount", "Paid by package"]]
    rows += [
        [
            f"{line.date:%Y-%m-%d}",
            line.code,
            line.description,
            f"{line.units.normalize():f}",
            format_money(line.amount, currency),
            format_money(line.paid_by_package, currency) if line.paid_by_package else "",
        ]
        for line in summary.lines
    ]
    story.append(
        grid_table(rows, styles.small, widths=[0.8 * inch, 0.8 * inch, 2.9 * inch, 0.5 * inch, 0.9 * inch, 1 * inch])
    )
    story.append(Spacer(1, 0.15 * inch))
    story.append(text(f"Total: {format_money(summary.total, currency)}", styles.line))
    if summary.package_credit:
        story.append(text(f"Paid by package credit: {format_money(summary.package_credit, currency)}", styles.line))
    if summary.paid:
        story.append(text(f"Paid: {format_money(summary.paid, currency)}", styles.line))
    story.append(text(f"Amount due: {format_money(summary.due, currency)}", styles.heading))
    return render_pdf(story, title=f"Invoice {invoice.number}")


def receipt_pdf(entry: AccountEntry, *, zone: zoneinfo.ZoneInfo) -> bytes:
    styles = pdf_styles()
    currency = entry.currency
    story = _header(styles, f"Receipt {entry.pk}", entry.patient)
    lines = [
        f"Received {_when(entry.posted_at, zone)}",
        f"Amount: {format_money(-entry.amount, currency)}",
        f"Method: {entry.get_method_display()}" + (f" (reference {entry.reference})" if entry.reference else ""),
    ]
    if entry.invoice_id:
        lines.append(f"Invoice: {entry.invoice.number}")
    if hasattr(entry, "reversed_by"):
        lines.append("This payment was later reversed.")
    lines.append(f"Balance on the account now: {format_money(patient_balance(entry.patient), currency)}")
    story += [text(line, styles.body) for line in lines]
    return render_pdf(story, title=f"Receipt {entry.pk}")
