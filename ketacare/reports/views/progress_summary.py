"""The progress summary for the referring clinician, as a PDF (path kept under /therapy/)."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.views.decorators.http import require_GET

from ketacare.reports.selectors.progress_summary import access_progress_summary_by_patient_id


@login_required
@require_GET
def progress_summary_pdf(request, patient_id: int):
    """PATIENT_EXPORT or SESSION_VIEW (checked by the selector); audited as an export."""
    summary = access_progress_summary_by_patient_id(request.user, patient_id)
    # reportlab loads with the first PDF, not in every worker.
    from ketacare.reports.progress_summary_pdf import render_progress_summary_pdf

    response = HttpResponse(render_progress_summary_pdf(summary), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="progress-summary-{summary.patient.record_number}.pdf"'
    return response
