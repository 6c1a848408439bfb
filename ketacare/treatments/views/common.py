"""The two shapes of a charting step (views/chart.py: step): a form posted to an action, or a button.

A step answers (bound forms to show again or None, the notice for the nurse); an action's refusal
lands on its form, or, for a button, reaches the chart page as an error. Unlike lib.views'
run_form_action a step neither flashes nor redirects: the step view does, or answers htmx with
the session panel.
"""

from django.core.exceptions import ValidationError

from ketacare.lib.forms import show_errors


def run_step(form, name: str, action, done) -> tuple[dict | None, str]:
    """Call `action` (no arguments) when `form` is valid: (None, the notice) then, `done` being the
    notice or a function of what the action returned; else ({name: form}, "") with the errors on
    the form."""
    if not form.is_valid():
        return {name: form}, ""
    try:
        result = action()
    except ValidationError as exc:
        show_errors(form, exc)
        return {name: form}, ""
    return None, done(result) if callable(done) else done


def form_step(form_class, name, call, done: str, **form_kwargs):
    """A step that parses `form_class` (shown as `name`) and calls `call(request, pk, cleaned_data)`;
    its notice is what `call` returns when that is text, else `done`."""

    def step(request, pk):
        form = form_class(request.POST, **form_kwargs)
        return run_step(
            form,
            name,
            lambda: call(request, pk, form.cleaned_data),
            lambda result: result if isinstance(result, str) else done,
        )

    return step


def button_step(call, done: str):
    """A step with no form: `call(user, pk)`, then the notice `done`."""

    def step(request, pk):
        call(request.user, pk)
        return None, done

    return step
