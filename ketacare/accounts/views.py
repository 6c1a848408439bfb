import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.actions import do_create_api_token, do_revoke_api_token, do_set_display_preferences
from ketacare.accounts.domain.roles import Permission
from ketacare.accounts.forms import ApiTokenForm, DisplayPreferencesForm, TokenForm
from ketacare.accounts.login_throttle import address_throttled
from ketacare.accounts.models import ApiToken
from ketacare.accounts.permissions import permission_required
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.views import run_action, run_form_action


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Set by StaffIdleTimeoutMiddleware, which runs before messages are available.
        return super().get_context_data(**kwargs, signed_out_idle=self.request.GET.get("idle") == "1")

    def post(self, request, *args, **kwargs):
        # Before the password is checked, so a sprayed address learns nothing more.
        if address_throttled(request, str(request.POST.get("username", ""))):
            context = {"address_throttled": True}
            return render(request, "accounts/locked_out.html", context, status=settings.AXES_HTTP_RESPONSE_CODE)
        return super().post(request, *args, **kwargs)


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or fallback
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@login_required
def verify(request):
    """Second step of sign-in: a code from the user's authenticator app."""
    devices = list(devices_for_user(request.user, confirmed=True))
    if not devices:
        return redirect("accounts:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        device = next((d for d in devices if d.verify_token(token)), None)
        if device is not None:
            otp_login(request, device)
            return redirect(_safe_next(request))
        form.add_error("token", "That code is not right or has expired. Enter the current 6-digit code.")
    return render(request, "accounts/verify.html", {"form": form, "next": _safe_next(request)})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = BytesIO()
    image.save(buffer)
    return buffer.getvalue().decode()


@login_required
def two_factor_setup(request):
    """Enrol an authenticator app (TOTP, RFC 6238)."""
    user = request.user
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        messages.info(request, "Two-factor sign-in is already set up for your account.")
        return redirect("home")
    device, _ = TOTPDevice.objects.get_or_create(user=user, confirmed=False, defaults={"name": "Authenticator app"})
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            record_event(user, AuditAction.SECURITY, user, detail={"event": "two_factor_enrolled"})
            otp_login(request, device)
            messages.success(request, "Two-factor sign-in is set up.")
            return redirect("home")
        form.add_error("token", "That code does not match. Check your phone's clock and try the current code.")
    return render(
        request,
        "accounts/two_factor_setup.html",
        {"form": form, "qr_svg": _qr_svg(device.config_url), "secret": base64.b32encode(device.bin_key).decode()},
    )


class LogoutView(auth_views.LogoutView):
    next_page = "accounts:login"


@never_cache  # the page shows a new token's secret, once
@permission_required(Permission.API_TOKEN_MANAGE)
def tokens(request):
    """The user's REST API tokens: create one (its secret is shown once) or revoke one."""
    form = ApiTokenForm(request.POST or None)
    created = None
    if request.method == "POST" and form.is_valid():
        try:
            created = do_create_api_token(request.user, form.cleaned_data["name"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            form = ApiTokenForm()
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "created": created,
            # Active tokens first on both databases (their NULL ordering differs).
            "tokens": ApiToken.objects.filter(user=request.user).order_by(
                F("revoked_at").asc(nulls_first=True), "-created_at"
            ),
        },
    )


@require_POST
@permission_required(Permission.API_TOKEN_MANAGE)
def token_revoke(request, token_id: int):
    return run_action(
        request,
        lambda: do_revoke_api_token(request.user, token_id),
        success=lambda token: f"Token “{token.name}” is revoked; requests using it are refused from now on.",
        redirect_to="accounts:tokens",
    )


@login_required
def preferences(request):
    """The zone the user's pages show times in, and a staff member's home location (ketacare/lib/zones.py)."""
    user = request.user
    form = DisplayPreferencesForm(
        request.POST or None,
        user=user,
        initial={"time_zone": user.time_zone, "home_location": user.home_location_id},
    )
    return run_form_action(
        request,
        form,
        lambda: do_set_display_preferences(
            user,
            time_zone=form.cleaned_data["time_zone"],
            home_location_id=form.cleaned_data.get("home_location"),
        ),
        success="Preferences saved.",
        redirect_to=reverse("accounts:preferences"),
    ) or render(request, "accounts/preferences.html", {"form": form})
