"""The clinic admin's charting settings page."""

from django.shortcuts import render

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.lib.views import run_form_action
from ketacare.treatments import actions
from ketacare.treatments.forms import SettingsForm
from ketacare.treatments.selectors import treatment_settings_of


@permission_required(Permission.ORGANISATION_SETTINGS)
def settings_page(request):
    """The clinic admin's charting settings (tolerance, observation minimums, discharge limits)."""
    current = treatment_settings_of(request.user)
    form = SettingsForm(request.POST if request.method == "POST" else None, instance=current)
    return run_form_action(
        request,
        form,
        lambda: actions.do_update_treatment_settings(
            request.user, **{name: form.cleaned_data[name] for name in form.changed_data}
        ),
        success="Settings saved.",
        redirect_to="treatments:settings",
    ) or render(request, "treatments/settings.html", {"form": form}, status=422 if form.errors else 200)
