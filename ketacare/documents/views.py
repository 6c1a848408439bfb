"""Document pages: a patient's documents beside the chart (staff), the patient's own in the portal,
uploads, "entered in error" and downloads. Thin: each view calls one action or selector."""

from functools import wraps

from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.documents import actions
from ketacare.documents.downloads import document_download_response
from ketacare.documents.forms import DocumentForm, OwnDocumentForm
from ketacare.documents.selectors import access_documents_by_patient_id, access_own_documents
from ketacare.documents.upload_limit import SizeLimitUploadHandler
from ketacare.lib.views import run_action, run_form_action


def limits_upload_size(view):
    """Count an upload's bytes as they stream in (upload_limit.py): the handler must be installed
    before the CSRF check reads the body, so the view is csrf_exempt outside and csrf_protect inside."""
    protected = csrf_protect(view)

    @csrf_exempt
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        limit = SizeLimitUploadHandler(actions.max_upload_bytes(), request)
        request.upload_handlers.insert(0, limit)
        request.size_limit = limit
        return protected(request, *args, **kwargs)

    return wrapped


def _bound_form(form_class, request):
    form = form_class(request.POST, request.FILES)
    if request.size_limit.too_large:
        form.is_valid()
        form.errors.pop("file", None)
        form.add_error("file", actions.too_large_message())
    return form


def _staff_page(request, patient_id: int, *, form=None, status: int = 200):
    chart = access_documents_by_patient_id(request.user, patient_id)
    may_file = user_may(request.user, actions.UPLOAD_PERMISSION)
    return render(
        request,
        "documents/patient_documents.html",
        {
            "patient": chart.patient,
            "documents": chart.documents,
            "form": form or (DocumentForm() if may_file else None),
            "may_file": may_file,
            "max_mb": actions.max_upload_bytes() // (1024 * 1024),
        },
        status=status,
    )


@permission_required(Permission.PATIENT_VIEW)
@require_GET
def patient_documents(request, patient_id: int):
    return _staff_page(request, patient_id)


@limits_upload_size
@permission_required(actions.UPLOAD_PERMISSION)
@require_POST
def upload(request, patient_id: int):
    form = _bound_form(DocumentForm, request)
    page = reverse("documents:patient", args=[patient_id])
    return run_form_action(
        request,
        form,
        lambda: actions.do_upload_document(request.user, patient_id, **form.action_fields()),
        success=lambda document: f"“{document.title}” filed.",
        redirect_to=page,
    ) or _staff_page(request, patient_id, form=form, status=422)


@permission_required(actions.UPLOAD_PERMISSION)
@require_POST
def entered_in_error(request, patient_id: int, document_id: int):
    return run_action(
        request,
        lambda: actions.do_mark_document_entered_in_error(
            request.user, document_id, reason=request.POST.get("reason", "")
        ),
        success="Marked entered in error; the file is kept.",
        redirect_to=reverse("documents:patient", args=[patient_id]),
        failure="Not marked.",
    )


@permission_required(Permission.PATIENT_VIEW)
@require_GET
def download(request, document_id: int):
    return document_download_response(request.user, document_id)


def _portal_page(request, *, form=None, status: int = 200):
    own = access_own_documents(request.user)
    return render(
        request,
        "documents/portal_documents.html",
        {
            "patient": own.patient,
            "documents": own.documents,
            "form": form or OwnDocumentForm(),
            "max_mb": actions.max_upload_bytes() // (1024 * 1024),
        },
        status=status,
    )


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def portal_documents(request):
    return _portal_page(request)


@limits_upload_size
@permission_required(Permission.OWN_RECORD_VIEW)
@require_POST
def portal_upload(request):
    form = _bound_form(OwnDocumentForm, request)
    return run_form_action(
        request,
        form,
        lambda: actions.do_upload_own_document(request.user, **form.action_fields()),
        success="Thank you: your document is on your record and the clinic team can see it.",
        redirect_to="documents_portal:list",
    ) or _portal_page(request, form=form, status=422)


@permission_required(Permission.OWN_RECORD_VIEW)
@require_GET
def portal_download(request, document_id: int):
    return document_download_response(request.user, document_id)
