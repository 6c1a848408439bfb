"""The two ways a page calls an action, written once.

A form post: the form checks its input, the action checks the rest; any error lands on the form,
on the field it names, and the page is shown again with nothing changed. A button post (sign,
finalise, withdraw, ...): the action runs, and success or the error comes back as a message on
the page the button sends the user to. Either way success is a message and a redirect.

`action` is called with no arguments (a lambda or functools.partial that closes over the request
and the form's cleaned data); `success` and `redirect_to` are a text and a URL, or functions of
what the action returned, for a message or an address that depends on it.
"""

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from ketacare.lib.forms import error_text, show_errors

Result = TypeVar("Result")


def _done(
    request: HttpRequest,
    result: Result,
    success: str | Callable[[Result], str],
    redirect_to: str | Callable[[Result], str],
) -> HttpResponse:
    messages.success(request, success(result) if callable(success) else success)
    return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)


def run_form_action(
    request: HttpRequest,
    form: forms.BaseForm,
    action: Callable[[], Result],
    *,
    success: str | Callable[[Result], str],
    redirect_to: str | Callable[[Result], str],
) -> HttpResponse | None:
    """Call `action` when `form` is valid, then flash `success` and redirect. None when the form
    is unbound or invalid, or the action refused (its errors are then on the form): the view
    renders the form again, e.g. `return run_form_action(...) or render(...)`."""
    if not form.is_valid():
        return None
    try:
        result = action()
    except ValidationError as exc:
        show_errors(form, exc)
        return None
    return _done(request, result, success, redirect_to)


def run_action(
    request: HttpRequest,
    action: Callable[[], Result],
    *,
    success: str | Callable[[Result], str],
    redirect_to: str | Callable[[Result], str],
    failure: str = "",
    failure_redirect_to: str | None = None,
) -> HttpResponse:
    """Call `action` for a button; redirect to `redirect_to` with `success`, or, refused, to
    `failure_redirect_to` (by default `redirect_to` too) with the error as a message: `failure`
    (e.g. "Not signed.") then each error naming its field."""
    back = failure_redirect_to or redirect_to
    if callable(back):
        raise TypeError("run_action: give failure_redirect_to when redirect_to depends on the result")
    try:
        result = action()
    except ValidationError as exc:
        messages.error(request, f"{failure} {error_text(exc)}".strip())
        return redirect(back)
    return _done(request, result, success, redirect_to)


def settings_form_page(
    request: HttpRequest,
    *,
    form_class: "type[forms.ModelForm[Any]]",
    current: object,
    update: Callable[..., object],
    template: str,
    redirect_to: str,
) -> HttpResponse:
    """A clinic settings page: the form over the organisation's settings row; on a valid post,
    `update(actor, **changed fields)` (the app's do_update_..._settings action), then back here."""
    form = form_class(request.POST if request.method == "POST" else None, instance=current)
    return run_form_action(
        request,
        form,
        lambda: update(request.user, **{name: form.cleaned_data[name] for name in form.changed_data}),
        success="Settings saved.",
        redirect_to=redirect_to,
    ) or render(request, template, {"form": form}, status=422 if form.errors else 200)
