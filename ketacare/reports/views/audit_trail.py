"""The organisation's audit trail and its chain check, for clinic admins. Read-only: nothing here
changes an entry. A patient's access history is a patients page (patients/views.py)."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_safe

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.patients.selectors import AUDIT_PAGE_SIZE, display_zone
from ketacare.reports.forms import AuditFilterForm
from ketacare.reports.selectors.audit_trail import access_audit_entries, verify_audit_chain


@require_safe
@permission_required(Permission.AUDIT_VIEW)
def audit_list(request):
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        # Bad filters: say which field, list nothing rather than everything.
        return render(request, "reports/audit_list.html", {"form": form, "display": display_zone(request.user)})
    listing = access_audit_entries(request.user, form.filters())
    page = Paginator(listing.entries, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "reports/audit_list.html", {"form": form, "display": listing.display, "page": page})


@require_safe
@permission_required(Permission.AUDIT_VIEW)
def audit_verify(request):
    verification = verify_audit_chain(request.user)
    return render(request, "reports/audit_verify.html", {"report": verification.report, "verification": verification})
