"""The session record for the chart, as a PDF (reportlab): every step, who did it and when,
the vitals table and chart with the threshold lines, signatures and addenda.

Times are shown in the location's time zone. The caller checks access and audits the export.
"""

from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Paragraph, Spacer

from ketacare.lib.pdf import grid_table, pdf_styles, render_pdf, text
from ketacare.treatments.charts import session_chart_for
from ketacare.treatments.models import CheckItem, InteractingMedicine, TreatmentSession
from ketacare.treatments.selectors import vital_schedule

_SERIES_COLOURS = {
    "sys": colors.HexColor("#b03a2e"),
    "dia": colors.HexColor("#2e5eb0"),
    "hr": colors.HexColor("#3a8a3a"),
}


def _person(user) -> str:
    if user is None:
        return "—"
    role = getattr(user, "role_label", "")
    return f"{user.display_name}" + (f" ({role})" if role else "")


def _num(value) -> str:
    return "—" if value is None else f"{value.normalize():f}" if hasattr(value, "normalize") else str(value)


def _chart_drawing(chart) -> Drawing:
    """The session chart's geometry drawn in PDF units (y flipped: SVG grows down, PDF up)."""
    scale = 6.8 * inch / chart.width
    drawing = Drawing(chart.width * scale, chart.height * scale)

    def point(x, y):
        return x * scale, (chart.height - y) * scale

    drawing.add(
        Line(*point(chart.left, chart.bottom_y), *point(chart.right_x, chart.bottom_y), strokeColor=colors.grey)
    )
    drawing.add(Line(*point(chart.left, chart.top), *point(chart.left, chart.bottom_y), strokeColor=colors.grey))
    for line in chart.thresholds:
        drawing.add(
            Line(
                *point(chart.left, line.y),
                *point(chart.right_x, line.y),
                strokeColor=colors.orange if line.kind == "delay" else colors.red,
                strokeDashArray=[4, 3],
            )
        )
        drawing.add(String(*point(chart.right_x - 2, line.y - 2), line.label, fontSize=6, textAnchor="end"))
    for tick in chart.y_ticks:
        drawing.add(String(*point(chart.left - 4, tick.position + 3), tick.label, fontSize=6, textAnchor="end"))
    for tick in chart.x_ticks:
        drawing.add(String(*point(tick.position, chart.bottom_y + 12), tick.label, fontSize=6, textAnchor="middle"))
    for series in chart.series:
        colour = _SERIES_COLOURS[series.css_class]
        if len(series.dots) > 1:
            drawing.add(PolyLine([c for x, y, _ in series.dots for c in point(x, y)], strokeColor=colour))
        for x, y, _ in series.dots:
            drawing.add(Circle(*point(x, y), 1.6, fillColor=colour, strokeColor=colour))
    return drawing


def session_record_pdf(session: TreatmentSession) -> bytes:
    zone = session.location.zone
    styles = pdf_styles()
    heading, small = styles.subheading, styles.small

    def when(moment) -> str:
        return "—" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")

    def para(value: str, style=styles.body) -> Paragraph:
        return text(value, style)

    def table(rows: list[list[str]]):
        return grid_table(rows, small)

    patient = session.patient
    template = session.template
    story = [
        text("Treatment session record", styles.title),
        para(f"{session.organisation.name} — {session.location.name}"),
        para(
            f"Patient: {patient.last_name}, {patient.first_name} · record {patient.record_number} · "
            f"born {patient.date_of_birth:%Y-%m-%d}"
        ),
        para(
            f"Protocol: {template.name} (v{template.version}) · route {template.get_route_display()} · "
            f"session {session.pk} · status {session.get_status_display()}"
        ),
        para(
            f"Checked in {when(session.checked_in_at)} · monitoring clinician {_person(session.monitoring_clinician)}"
        ),
    ]
    if session.weight_kg is not None:
        story.append(para(f"Weight {_num(session.weight_kg)} kg measured {session.weight_measured_on}"))

    story += [text("Pre-session checklist", heading)]
    checks = list(session.checks.all())
    story.append(
        table(
            [["Item", "Answer", "Note", "By", "At"]]
            + [
                [
                    CheckItem(c.item).label,
                    "yes" if c.passed else "NO",
                    c.note,
                    _person(c.recorded_by),
                    when(c.recorded_at),
                ]
                for c in checks
            ]
        )
        if checks
        else para("No checklist answers.")
    )
    taken = [InteractingMedicine(code).label for code in session.interacting_medicines]
    story.append(para("Interacting medicines taken today: " + (", ".join(taken) if taken else "none")))
    if session.held_at:
        story.append(para(f"HELD at {when(session.held_at)}: {session.hold_reason}"))
    if session.overridden_at:
        story.append(
            para(
                f"Hold overridden by {_person(session.overridden_by)} at {when(session.overridden_at)}: "
                f"{session.override_reason}"
            )
        )
    if session.cancelled_reason:
        story.append(para(f"Not given: {session.cancelled_reason}"))

    story += [text("Dose", heading)]
    preparations = list(session.preparations.select_related("drawn_by", "checked_by", "waste_witness"))
    story.append(
        table(
            [["Vial / lot", "Dose", "Volume", "Drawn by", "Checked by", "Waste (witness)", "Ledger"]]
            + [
                [
                    f"vial {p.vial_id} · lot {p.lot}",
                    f"{_num(p.dose_mg)} mg" + (f" ({_num(p.dose_mg_per_kg)} mg/kg)" if p.dose_mg_per_kg else ""),
                    f"{_num(p.volume_ml)} mL" if p.volume_ml is not None else "—",
                    f"{_person(p.drawn_by)} {when(p.drawn_at)}",
                    _person(p.checked_by),
                    f"{_num(p.wasted_mg)} mg ({_person(p.waste_witness)}) {when(p.wasted_at)}" if p.wasted_mg else "—",
                    f"#{p.ledger_entry_id}"
                    + (f", waste #{p.waste_ledger_entry_id}" if p.waste_ledger_entry_id else ""),
                ]
                for p in preparations
            ]
        )
        if preparations
        else para("No dose prepared.")
    )
    story.append(
        para(
            f"Administration: started {when(session.administration_started_at)} by "
            f"{_person(session.administered_by)}, stopped {when(session.administration_stopped_at)}"
        )
    )
    devices = list(session.devices.all())
    if devices:
        story.append(
            table(
                [["Device", "Dose", "Used at", "Rest until"]]
                + [
                    [str(d.sequence), f"{_num(d.dose_mg)} mg", when(d.administered_at), when(d.rest_ends_at)]
                    for d in devices
                ]
            )
        )

    story += [text("Vital signs", heading)]
    vitals = list(session.vitals.all())
    if vitals:
        story.append(
            table(
                [["Time", "Minute", "Check", "BP (mmHg)", "HR", "SpO2", "RR", "Flag"]]
                + [
                    [
                        when(v.recorded_at),
                        "pre" if v.minute is None else str(v.minute),
                        "—" if v.scheduled_minute is None else f"{v.scheduled_minute} min",
                        f"{v.systolic_mmhg}/{v.diastolic_mmhg}",
                        str(v.heart_rate_bpm),
                        f"{v.spo2_percent}%",
                        _num(v.respiratory_rate_per_min),
                        f"{v.minutes_late} min late" if v.minutes_late else "",
                    ]
                    for v in vitals
                ]
            )
        )
        missed = [c.scheduled_minute for c in vital_schedule(session) if c.state == "missed"]
        if missed:
            story.append(para("Missed checks: " + ", ".join(f"{m} min" for m in missed)))
        chart = session_chart_for(session, vitals)
        story += [
            Spacer(1, 0.1 * inch),
            _chart_drawing(chart),
            para(
                "Red: systolic · blue: diastolic · green: heart rate; dashed: protocol delay (orange) "
                "and stop (red) levels.",
                small,
            ),
        ]
    else:
        story.append(para("No vital signs recorded."))

    story += [text("Dissociation and sedation ratings", heading)]
    ratings = list(session.ratings.select_related("response", "recorded_by"))
    story.append(
        table(
            [["Instrument", "Score", "Minute", "By", "At"]]
            + [
                [
                    r.response.instrument_name,
                    str(r.response.total),
                    "—" if r.minute is None else str(r.minute),
                    _person(r.recorded_by),
                    when(r.recorded_at),
                ]
                for r in ratings
            ]
        )
        if ratings
        else para("No ratings.")
    )

    story += [text("Adverse events", heading)]
    events = list(session.adverse_events.all())
    story.append(
        table(
            [["Event", "Severity", "Onset", "What was done", "Rescue medicine"]]
            + [
                [
                    e.get_kind_display() + (f": {e.description}" if e.description else ""),
                    e.get_severity_display(),
                    when(e.onset_at),
                    e.action_taken,
                    f"{e.rescue_medicine} {_num(e.rescue_dose_mg)} mg" if e.rescue_medicine else "—",
                ]
                for e in events
            ]
        )
        if events
        else para("None.")
    )

    story += [text("Discharge", heading)]
    discharge = getattr(session, "discharge", None)
    if session.discharged_at and discharge is not None:
        story.append(
            para(
                f"Discharged {when(session.discharged_at)} by {_person(session.discharged_by)} · alert, walking steadily, "
                f"accompanied home by {discharge.escort_name} · monitored {session.monitoring_minutes} minutes"
                + (f" · {discharge.note}" if discharge.note else "")
            )
        )
    else:
        story.append(para("Not discharged."))

    story += [text("Signatures", heading)]
    signatures = list(session.signatures.select_related("signed_by"))
    story.append(
        table(
            [["Role", "Signed by", "At"]]
            + [[s.get_role_display(), _person(s.signed_by), when(s.signed_at)] for s in signatures]
        )
        if signatures
        else para("Not signed.")
    )
    if session.signed_at:
        story.append(para(f"Record locked {when(session.signed_at)}; corrections follow as addenda."))
    addenda = list(session.addenda.select_related("written_by"))
    if addenda:
        story += [text("Addenda", heading)]
        story += [para(f"{when(a.written_at)} — {_person(a.written_by)}: {a.text}") for a in addenda]

    return render_pdf(
        story,
        title=f"Session record {session.pk}",
        leftMargin=0.6 * inch,
        rightMargin=0.6 * inch,
        topMargin=0.6 * inch,
        bottomMargin=0.6 * inch,
    )
