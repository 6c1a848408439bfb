"""Printable records print names and notes as typed: markup in them is never run by reportlab
(an <img> in a patient's name once made the server fetch a URL; a stray "<b" gave a 500)."""

import re

import pytest
from reportlab.lib import utils as reportlab_utils

from ketacare.reports.progress_summary_pdf import render_progress_summary_pdf
from ketacare.reports.selectors.progress_summary import access_progress_summary_by_patient_id
from ketacare.treatments import record_pdf
from ketacare.treatments.models import AdverseEvent

IMAGE = '<img src="http://127.0.0.1:1/x"/>'


def printed(pdf_text, pdf: bytes) -> bytes:
    """The document's text runs joined (reportlab splits a line into runs at "<" and ">")."""
    return b"".join(re.findall(rb"\((.*?)\) Tj", pdf_text(pdf)))


@pytest.fixture
def opened(monkeypatch):
    """Every file or URL reportlab tries to open while rendering."""
    names = []
    monkeypatch.setattr(reportlab_utils, "open_for_read", lambda name, *args, **kwargs: names.append(name))
    return names


@pytest.mark.django_db
def test_progress_summary_prints_markup_as_text(make_chart, staff, patient, opened, pdf_text):
    session = make_chart(events=["nausea"])
    patient.first_name = f"{IMAGE}Ana"
    patient.last_name = "<b"
    patient.referring_clinician_name = "Dr <i>Who & Co"
    patient.save(update_fields=["first_name", "last_name", "referring_clinician_name"])
    assert AdverseEvent.objects.filter(session=session).update(action_taken=f"{IMAGE} & <b unclosed") == 1
    pdf = render_progress_summary_pdf(access_progress_summary_by_patient_id(staff["prescriber"], patient.pk))
    assert pdf.startswith(b"%PDF") and opened == []
    assert b"For Dr <i>Who & Co" in printed(pdf_text, pdf)


@pytest.mark.django_db
def test_session_record_prints_markup_as_text(make_chart, patient, opened, pdf_text):
    patient.first_name = f"{IMAGE}Ana"
    patient.save(update_fields=["first_name"])
    session = make_chart(events=["nausea"])
    AdverseEvent.objects.filter(session=session).update(action_taken=f"{IMAGE} & <b unclosed")
    pdf = record_pdf.session_record_pdf(session)
    assert pdf.startswith(b"%PDF") and opened == []
    assert b"& <b unclosed" in printed(pdf_text, pdf)
