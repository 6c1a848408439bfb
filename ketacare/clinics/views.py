from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.permissions import permission_required, user_may
from ketacare.clinics.actions import (
    LocationInUse,
    do_archive_location,
    do_create_location,
    do_reopen_location,
    do_retry_outgoing_message,
    do_save_clinic_page,
    do_update_location,
    do_update_organisation_settings,
)
from ketacare.clinics.forms import ClinicPageForm, LocationForm, OrganisationSettingsForm
from ketacare.clinics.selectors import (
    access_location_for_managing_by_id,
    access_locations_for_managing,
    access_organisation_for_settings,
    access_page_for_editing_by_id,
    access_pages_for_editing,
    access_public_clinic_by_slug,
    access_public_page_by_slug,
    mail_needing_attention,
)
from ketacare.lib.forms import error_text
from ketacare.lib.views import run_action, run_form_action


def pages(request, org_slug):
    """An organisation's public index: contact, locations, pages, the way to ask for a consultation."""
    clinic = access_public_clinic_by_slug(org_slug)
    return render(
        request,
        "clinics/index.html",
        {
            "org": clinic.organisation,
            "locations": clinic.locations,
            "pages": clinic.pages,
        },
    )


def page(request, org_slug, page_slug):
    clinic_page = access_public_page_by_slug(org_slug, page_slug)
    return render(request, "clinics/page.html", {"org": clinic_page.organisation, "page": clinic_page})


@permission_required(Permission.CLINIC_PAGES_EDIT)
def pages_manage(request):
    return render(
        request,
        "clinics/manage_pages.html",
        {
            "org": request.user.organisation,
            "pages": access_pages_for_editing(request.user),
            "may_edit_settings": user_may(request.user, Permission.ORGANISATION_SETTINGS),
        },
    )


def _page_form(request, clinic_page):
    if clinic_page is None:
        form = ClinicPageForm(request.POST or None)
    else:
        form = ClinicPageForm.for_page(clinic_page, request.POST or None)
    return run_form_action(
        request,
        form,
        lambda: do_save_clinic_page(
            request.user, organisation=request.user.organisation, page=clinic_page, **form.cleaned_data
        ),
        success=lambda saved: f"Saved “{saved.title}”.",
        redirect_to="clinics:pages_manage",
    ) or render(request, "clinics/page_form.html", {"form": form, "page": clinic_page})


@permission_required(Permission.CLINIC_PAGES_EDIT)
def page_create(request):
    return _page_form(request, None)


@permission_required(Permission.CLINIC_PAGES_EDIT)
def page_edit(request, pk):
    return _page_form(request, access_page_for_editing_by_id(request.user, pk))


@permission_required(Permission.ORGANISATION_SETTINGS)
def organisation_settings(request):
    organisation = access_organisation_for_settings(request.user)
    form = OrganisationSettingsForm.for_organisation(organisation, request.POST or None)
    return run_form_action(
        request,
        form,
        lambda: do_update_organisation_settings(request.user, organisation, **form.cleaned_data),
        success="Clinic settings saved.",
        redirect_to="clinics:settings",
    ) or render(request, "clinics/settings.html", {"form": form, "org": organisation})


@permission_required(Permission.OUTBOX_VIEW)
def mail_problems(request):
    """Email that failed or is being retried: what, to whom, how often, the last error; retry now."""
    return render(
        request,
        "clinics/mail_problems.html",
        {
            "messages_needing_attention": mail_needing_attention(request.user),
            "all_kinds": user_may(request.user, Permission.OUTBOX_VIEW_ALL),
        },
    )


@permission_required(Permission.OUTBOX_VIEW)
@require_POST
def mail_retry(request, message_id: int):
    return run_action(
        request,
        lambda: do_retry_outgoing_message(request.user, message_id),
        success="The email will be sent again within a minute.",
        redirect_to="clinics:mail_problems",
    )


# ---- locations (clinic admin) -------------------------------------------------------------------


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_GET
def locations(request):
    """The clinic's locations, open and archived."""
    return render(request, "clinics/locations.html", {"locations": access_locations_for_managing(request.user)})


@permission_required(Permission.ORGANISATION_SETTINGS)
def location_create(request):
    form = LocationForm(request.POST or None)
    return run_form_action(
        request,
        form,
        lambda: do_create_location(request.user, **form.cleaned_data),
        success=lambda location: f"{location.name} added. Set up its hours, chairs and staff below.",
        redirect_to=lambda location: reverse("clinics:location_detail", args=[location.pk]),
    ) or render(request, "clinics/location_form.html", {"form": form, "location": None})


def _render_location(request, location, *, blocking=None, status=200):
    return render(
        request,
        "clinics/location_detail.html",
        {"location": location, "blocking": blocking or []},
        status=status,
    )


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_GET
def location_detail(request, pk: int):
    """One location: its facts, where to set it up (hours and chairs, staff shifts, DEA registration, REMS
    certification), archive or reopen."""
    return _render_location(request, access_location_for_managing_by_id(request.user, pk))


@permission_required(Permission.ORGANISATION_SETTINGS)
def location_edit(request, pk: int):
    location = access_location_for_managing_by_id(request.user, pk)
    form = LocationForm.for_location(location, request.POST or None)
    return run_form_action(
        request,
        form,
        lambda: do_update_location(request.user, location.pk, **form.cleaned_data),
        success=lambda saved: f"{saved.name} saved.",
        redirect_to=reverse("clinics:location_detail", args=[location.pk]),
    ) or render(request, "clinics/location_form.html", {"form": form, "location": location})


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_POST
def location_archive(request, pk: int):
    location = access_location_for_managing_by_id(request.user, pk)
    try:
        do_archive_location(request.user, location.pk)
    except LocationInUse as refused:
        # The page again, listing what is still booked there, each linked to where it is moved or cancelled.
        messages.error(request, error_text(refused))
        return _render_location(request, location, blocking=refused.blocking, status=409)
    except ValidationError as refused:
        messages.error(request, error_text(refused))
        return redirect("clinics:location_detail", pk=location.pk)
    messages.success(request, f"{location.name} archived: it is no longer offered for booking.")
    return redirect("clinics:location_detail", pk=location.pk)


@permission_required(Permission.ORGANISATION_SETTINGS)
@require_POST
def location_reopen(request, pk: int):
    return run_action(
        request,
        lambda: do_reopen_location(request.user, pk),
        success=lambda location: f"{location.name} is open again.",
        redirect_to=reverse("clinics:location_detail", args=[pk]),
    )
