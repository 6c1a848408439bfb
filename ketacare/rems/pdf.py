"""The printable Patient Monitoring Form (reportlab), laid out in the PMF's sections (CLINICAL.md §2)."""

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Spacer, Table, TableStyle

from ketacare.lib.pdf import pdf_styles, render_pdf, text
from ketacare.rems.models import MonitoringForm

# A section of the form: label, value (bold), a hairline under each row.
SECTION_TABLE_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
        ("FONT", (1, 0), (1, -1), "Helvetica-Bold", 9),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.grey),
    ]
)


def _yn(value) -> str:
    return "—" if value is None else ("Yes" if value else "No")


def _bp(systolic, diastolic) -> str:
    return "—" if systolic is None or diastolic is None else f"{systolic}/{diastolic} mmHg"


def _or_dash(value) -> str:
    return "—" if value in (None, "") else str(value)


def render_form_pdf(form: MonitoringForm) -> bytes:
    styles = pdf_styles()
    patient, location, clinician = form.patient, form.location, form.monitoring_clinician
    status = "FINALISED" if form.is_locked else "DRAFT — not finalised"
    sections = [
        (
            "Patient",
            [
                ("Name", f"{patient.first_name} {patient.last_name}"),
                ("Date of birth", f"{patient.date_of_birth:%Y-%m-%d}"),
                ("Sex", patient.get_sex_at_birth_display() if patient.sex_at_birth else "—"),
                ("First treatment", _yn(form.first_treatment)),
                ("Enrolled in the REMS", "Yes" if patient.rems_enrollments.filter(is_active=True).exists() else "No"),
            ],
        ),
        (
            "Concomitant medicines",
            [
                ("Benzodiazepines", _yn(form.benzodiazepines)),
                ("Non-benzodiazepine sedative hypnotics", _yn(form.non_benzodiazepine_sedative_hypnotics)),
                ("Psychostimulants", _yn(form.psychostimulants)),
                ("MAOIs", _yn(form.maois)),
                ("Opioids", _yn(form.opioids)),
            ],
        ),
        (
            "Monitoring healthcare provider",
            [
                ("Name", (clinician.display_name) if clinician else "—"),
                ("Phone", _or_dash(form.monitoring_clinician_phone)),
                ("Email", clinician.email if clinician and clinician.email else "—"),
            ],
        ),
        (
            "Healthcare setting",
            [
                ("Name", location.name),
                ("Address", _or_dash(location.address).replace("\n", ", ")),
            ],
        ),
        (
            "Session",
            [
                ("Treatment date", f"{form.treatment_date:%Y-%m-%d}" if form.treatment_date else "—"),
                ("Dose", f"{form.dose_mg} mg" if form.dose_mg else "—"),
                ("Lot number", _or_dash(form.lot_number)),
                ("Minutes from the first device to the end of monitoring", _or_dash(form.monitoring_minutes)),
                ("Minutes until ready to leave without the 2-hour rule", _or_dash(form.ready_to_leave_minutes)),
            ],
        ),
        (
            "Vital signs",
            [
                ("In acceptable range before administration", _yn(form.vitals_in_range_before_dose)),
                ("In acceptable range before leaving", _yn(form.vitals_in_range_before_leaving)),
                ("BP before dosing", _bp(form.bp_before_systolic_mmhg, form.bp_before_diastolic_mmhg)),
                ("BP about 40 minutes after dosing", _bp(form.bp_40min_systolic_mmhg, form.bp_40min_diastolic_mmhg)),
                ("BP before leaving", _bp(form.bp_leaving_systolic_mmhg, form.bp_leaving_diastolic_mmhg)),
            ],
        ),
        (
            "Adverse events",
            [
                ("Sedation", _yn(form.sedation)),
                ("Dissociation", _yn(form.dissociation)),
                ("Respiratory depression", _yn(form.respiratory_depression)),
            ],
        ),
    ]
    story = [
        text("Esketamine REMS — Patient Monitoring Form", styles.title),
        text(
            f"{status}. Submit to the REMS within the deadline (online or fax). KetaCare form {form.pk}.", styles.line
        ),
    ]
    for title, rows in sections:
        story += [Spacer(1, 6), text(title, styles.subheading)]
        # Plain strings in cells: drawn as they are, never read as markup.
        table = Table([[label, value] for label, value in rows], colWidths=[3.6 * inch, 3.0 * inch])
        table.setStyle(SECTION_TABLE_STYLE)
        story.append(table)
    if form.notes:
        story += [Spacer(1, 6), text("Notes", styles.subheading), text(form.notes, styles.line)]
    if form.finalised_at:
        by = form.finalised_by.display_name
        story += [
            Spacer(1, 8),
            text(f"Finalised by {by} on {form.finalised_at.astimezone(location.zone):%Y-%m-%d %H:%M %Z}", styles.line),
        ]
    if form.submitted_on:
        story.append(text(f"Submitted to the REMS on {form.submitted_on:%Y-%m-%d}", styles.line))
    return render_pdf(
        story, title=f"Esketamine REMS monitoring form {form.pk}", topMargin=0.6 * inch, bottomMargin=0.6 * inch
    )
