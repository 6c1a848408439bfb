"""An action's ValidationError lands on the form field it names, or on a banner naming that field."""

from django import forms
from django.core.exceptions import ValidationError

from ketacare.lib.forms import error_text, show_errors


class _ReasonForm(forms.Form):
    reason = forms.CharField()


def _bound_form() -> _ReasonForm:
    form = _ReasonForm({"reason": "x"})
    assert form.is_valid()
    return form


def test_an_error_on_a_shown_field_lands_on_that_field():
    form = _bound_form()
    show_errors(form, ValidationError({"reason": "Say why."}))
    assert form.errors == {"reason": ["Say why."]}


def test_an_error_on_a_field_the_form_does_not_show_goes_on_top_and_names_the_field():
    form = _bound_form()
    show_errors(form, ValidationError({"starts_at": "Check-in is possible on the day only."}))
    assert form.non_field_errors() == ["starts at: Check-in is possible on the day only."]


def test_an_error_about_no_field_goes_on_top_as_it_is():
    form = _bound_form()
    show_errors(form, ValidationError("The plan is stopped."))
    assert form.non_field_errors() == ["The plan is stopped."]


def test_error_text_is_one_line_naming_each_field():
    error = ValidationError({"dose_mg": ["Too high."], "witness_id": ["Choose a colleague."]})
    assert error_text(error) == "Dose mg: Too high. Witness id: Choose a colleague."
    assert error_text(ValidationError(["One.", "Two."])) == "One. Two."
