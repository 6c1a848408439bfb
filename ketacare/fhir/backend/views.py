"""The clinic admin's page of backend clients: list, register, disable."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.fhir.backend import actions, selectors
from ketacare.fhir.backend.forms import BackendClientForm
from ketacare.lib.forms import show_errors
from ketacare.lib.views import run_action


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_http_methods(["GET", "POST"])
def clients(request):
    form = BackendClientForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            client = actions.do_register_backend_client(request.user, **form.cleaned_data)
        except ValidationError as exc:
            show_errors(form, exc)
        else:
            messages.success(request, f"“{client.name}” is registered: its client_id is {client.client_id}.")
            return redirect("fhir_backend:clients")
    context = {"form": form, "clients": selectors.backend_clients(request.user)}
    return render(request, "fhir/backend/clients.html", context, status=422 if form.errors else 200)


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_POST
def disable(request, pk: int):
    client = selectors.backend_client(request.user, pk)
    return run_action(
        request,
        lambda: actions.do_disable_backend_client(request.user, client.pk),
        success=lambda client: f"“{client.name}” is disabled: its tokens are revoked and new ones refused.",
        redirect_to="fhir_backend:clients",
    )
