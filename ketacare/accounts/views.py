import base64
from io import BytesIO

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import devices_for_user
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from ketacare.accounts.actions import (
    do_accept_staff_invitation,
    do_change_password,
    do_create_api_token,
    do_replace_own_two_factor,
    do_revoke_api_token,
    do_set_display_preferences,
    do_update_own_account,
)
from ketacare.accounts.backends import SESSION_BACKEND
from ketacare.accounts.domain.roles import Permission, requires_two_factor
from ketacare.accounts.forms import (
    AccountDetailsForm,
    ApiTokenForm,
    ChangePasswordForm,
    ConfirmPasswordForm,
    DisplayPreferencesForm,
    NewPasswordForm,
    TokenForm,
)
from ketacare.accounts.invitations import open_invitation
from ketacare.accounts.login_throttle import address_throttled
from ketacare.accounts.models import ApiToken, InvitationPurpose
from ketacare.accounts.password_reset import OutboxPasswordResetForm, ResetSetPasswordForm, client_over_limit
from ketacare.accounts.permissions import permission_required
from ketacare.audit.actions import record_event
from ketacare.audit.models import AuditAction
from ketacare.lib.forms import error_text, show_errors
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


@never_cache
@sensitive_post_parameters("password", "password_again")
def accept_invitation(request, secret: str):
    """A staff member's invitation link: who is invited where, then their password (typed twice).
    A spent, expired or replaced link says so; on success they are signed in (and, for roles that need
    it, sent on to enrol two-factor by TwoFactorRequiredMiddleware)."""
    try:
        with transaction.atomic():
            invitation = open_invitation(secret, purpose=InvitationPurpose.STAFF)
    except ValidationError as exc:
        return render(request, "accounts/invitation_unusable.html", {"problem": exc.message_dict["token"][0]})
    form = NewPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = do_accept_staff_invitation(
                secret, password=form.cleaned_data["password"], password_again=form.cleaned_data["password_again"]
            )
        except ValidationError as exc:
            if "token" in getattr(exc, "error_dict", {}):
                return render(request, "accounts/invitation_unusable.html", {"problem": exc.message_dict["token"][0]})
            show_errors(form, exc)
        else:
            if request.user.is_authenticated:
                logout(request)
            login(request, member, backend=SESSION_BACKEND)
            messages.success(request, "Welcome to KetaCare. Your password is set.")
            return redirect("home")
    return render(request, "accounts/accept_invitation.html", {"form": form, "invitation": invitation})


@sensitive_post_parameters("current_password", "new_password", "new_password_again")
@login_required
def change_password(request):
    """Change one's own password (the current one required); this session stays signed in, others end."""
    form = ChangePasswordForm(request.POST or None)

    def change():
        user = do_change_password(
            request.user,
            current_password=form.cleaned_data["current_password"],
            new_password=form.cleaned_data["new_password"],
            new_password_again=form.cleaned_data["new_password_again"],
            keep_session_key=request.session.session_key,
        )
        update_session_auth_hash(request, user)
        return user

    return run_form_action(
        request,
        form,
        change,
        success="Your password is changed. Other devices signed in as you were signed out.",
        redirect_to=reverse("accounts:me"),
    ) or render(request, "accounts/change_password.html", {"form": form})


class PasswordResetView(auth_views.PasswordResetView):
    """Ask for a reset link by email; the same answer whether or not the address has an account."""

    form_class = OutboxPasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_sent")

    def form_valid(self, form):
        if client_over_limit(self.request):
            return render(self.request, "accounts/password_reset.html", {"form": form, "too_many": True}, status=429)
        return super().form_valid(form)


class PasswordResetSentView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_sent.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, reset_minutes=settings.PASSWORD_RESET_TIMEOUT // 60)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = ResetSetPasswordForm
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@login_required
def me(request):
    """My account: name and email, password, two-factor, API tokens, calendar feed, preferences."""
    user = request.user
    form = AccountDetailsForm(
        request.POST or None, initial={"first_name": user.first_name, "last_name": user.last_name, "email": user.email}
    )
    response = run_form_action(
        request,
        form,
        lambda: do_update_own_account(
            user,
            first_name=form.cleaned_data["first_name"],
            last_name=form.cleaned_data["last_name"],
            email=form.cleaned_data["email"],
        ),
        success="Your details are saved.",
        redirect_to=reverse("accounts:me"),
    )
    if response is not None:
        return response
    context = {
        "form": form,
        "two_factor_form": ConfirmPasswordForm(),
        "two_factor_set_up": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
        "two_factor_required": requires_two_factor(user.role, demo_mode=settings.DEMO_MODE),
        "active_token_count": ApiToken.objects.active().filter(user=user).count() if user.is_staff_member else 0,
    }
    return render(request, "accounts/me.html", context)


@require_POST
@sensitive_post_parameters("password")
@login_required
def replace_two_factor(request):
    """Remove my authenticator (a new phone), after my password; then enrol the new one."""
    form = ConfirmPasswordForm(request.POST)
    if form.is_valid():
        try:
            do_replace_own_two_factor(request.user, password=form.cleaned_data["password"])
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("accounts:me")
        return redirect("accounts:two_factor_setup")
    messages.error(request, "Enter your password to replace your authenticator.")
    return redirect("accounts:me")
