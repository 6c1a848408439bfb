"""The clinic admin's charting settings page."""

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required
from ketacare.lib.views import settings_form_page
from ketacare.treatments import actions
from ketacare.treatments.forms import SettingsForm
from ketacare.treatments.selectors import treatment_settings_of


@permission_required(Permission.ORGANISATION_SETTINGS)
def settings_page(request):
    """The clinic admin's charting settings (tolerance, observation minimums, discharge limits)."""
    return settings_form_page(
        request,
        form_class=SettingsForm,
        current=treatment_settings_of(request.user),
        update=actions.do_update_treatment_settings,
        template="treatments/settings.html",
        redirect_to="treatments:settings",
    )
