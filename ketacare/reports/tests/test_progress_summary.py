"""The progress summary PDF for the referring clinician: access-checked and audited as an export."""

import datetime as dt

import pytest
from django.utils import timezone

from ketacare.audit.models import AuditAction
from ketacare.measures.actions import do_enter_response
from ketacare.reports.progress_summary_pdf import render_progress_summary_pdf, score_chart
from ketacare.reports.selectors.progress_summary import access_progress_summary_by_patient_id


@pytest.fixture
def charted(make_chart):
    make_chart(start=timezone.now() - dt.timedelta(days=4), events=["nausea"])
    return make_chart()


def test_the_summary_holds_sessions_doses_scores_and_events(charted, staff, patient, audit_entries):
    for value in (3, 1):
        do_enter_response(staff["nurse"], patient, "phq9", {str(n): value for n in range(1, 10)})
    summary = access_progress_summary_by_patient_id(staff["prescriber"], patient.pk)
    [trend] = summary.trends
    assert (trend.instrument.code, [row.total for row in trend.rows]) == ("phq9", [27, 9])
    assert [line.dose_mg for line in summary.sessions] == ["56 mg", "56 mg"]
    assert [event.kind for event in summary.adverse_events] == ["nausea"]
    pdf = render_progress_summary_pdf(summary)
    assert pdf.startswith(b"%PDF") and len(pdf) > 1500
    [entry] = audit_entries(action=AuditAction.EXPORT, patient=patient, actor=staff["prescriber"])
    assert entry.detail == {"format": "pdf", "document": "progress_summary"}


@pytest.mark.parametrize(
    ("role", "status"),
    [("prescriber", 200), ("clinic_admin", 200), ("nurse", 200), ("therapist", 200), ("front_desk", 403)],
)
def test_page_access_by_role(signed_in, staff, patient, charted, role, status):
    response = signed_in(staff[role]).get(f"/therapy/patients/{patient.pk}/progress-summary.pdf")
    assert response.status_code == status
    if status == 200:
        assert response["Content-Type"] == "application/pdf"


def test_other_organisations_and_the_patient_are_refused(signed_in, other_staff, patient, charted):
    assert (
        signed_in(other_staff["prescriber"]).get(f"/therapy/patients/{patient.pk}/progress-summary.pdf").status_code
        == 404
    )
    assert signed_in(patient.user).get(f"/therapy/patients/{patient.pk}/progress-summary.pdf").status_code == 403


def test_the_chart_draws_one_line_per_instrument():
    class Row:
        def __init__(self, on, total):
            self.on, self.total = on, total

    class Trend:
        def __init__(self, name, rows):
            self.instrument = type("I", (), {"name": name})()
            self.rows = rows

    day = dt.date(2026, 11, 1)
    drawing = score_chart(
        [Trend("PHQ-9", [Row(day, 20), Row(day + dt.timedelta(days=7), 12)]), Trend("GAD-7", [Row(day, 15)])]
    )
    plot = drawing.contents[0]
    assert len(plot.data) == 2 and plot.data[0] == [(0, 20), (7, 12)]
    assert "No questionnaire scores" in score_chart([]).contents[0].text


def _shapes(node) -> list:
    """Every shape a drawn widget is made of, depth first."""
    found = []
    for child in getattr(node, "contents", None) or []:
        found += [child, *_shapes(child)]
    return found


def test_a_single_rating_is_drawn_and_printed_without_an_empty_severity(staff, patient, pdf_text):
    """Issue 14.8: a patient with one CADSS rating got an empty chart and "CADSS: latest 7 ()"."""
    do_enter_response(staff["nurse"], patient, "cadss", {str(n): 1 if n <= 7 else 0 for n in range(1, 24)})
    do_enter_response(staff["nurse"], patient, "phq9", {str(n): 2 for n in range(1, 10)})
    summary = access_progress_summary_by_patient_id(staff["prescriber"], patient.pk)

    plot = score_chart(summary.trends).contents[0]
    markers = [shape for shape in _shapes(plot.draw()) if type(shape).__name__ == "Marker"]
    assert len(markers) == 2  # one mark per score, though each line has a single score
    text = pdf_text(render_progress_summary_pdf(summary))
    # PDF strings escape parentheses.
    assert b"CADSS: latest 7 on " in text and rb"\(\)" not in text
    assert rb"PHQ-9: latest 18 \(Moderately severe\) on " in text


def test_the_date_axis_ticks_on_whole_days():
    class Row:
        def __init__(self, on, total):
            self.on, self.total = on, total

    class Trend:
        def __init__(self, name, rows):
            self.instrument = type("I", (), {"name": name})()
            self.rows = rows

    day = dt.date(2026, 11, 1)
    plot = score_chart([Trend("PHQ-9", [Row(day, 20), Row(day + dt.timedelta(days=2), 12)])]).contents[0]
    plot.draw()
    ticks = plot.xValueAxis._tickValues
    labels = [plot.xValueAxis.labelTextFormat(tick) for tick in ticks]
    assert all(float(tick).is_integer() for tick in ticks) and len(labels) == len(set(labels))
