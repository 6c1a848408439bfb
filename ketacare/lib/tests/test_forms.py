"""An action's ValidationError lands on the form field it names, or on a banner naming that field; a long select
is what Django's Select is, faster."""

from html.parser import HTMLParser

import pytest
from django import forms
from django.core.exceptions import ValidationError

from ketacare.lib.forms import LongSelect, error_text, show_errors


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


class _Options(HTMLParser):
    """What a browser takes from a <select>: its attributes, and each option's group, value, label and selection."""

    def __init__(self, html: str):
        super().__init__()
        self.select: dict = {}
        self.options: list[tuple] = []
        self._group, self._option = None, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select":
            self.select = attrs
        elif tag == "optgroup":
            self._group = attrs["label"]
        elif tag == "option":
            self._option = [self._group, attrs["value"], "", "selected" in attrs]

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data

    def handle_endtag(self, tag):
        if tag == "optgroup":
            self._group = None
        elif tag == "option":
            self.options.append(tuple(self._option))
            self._option = None


LONG_CHOICES = [
    ("", "Choose a time zone"),
    ("United States", [("America/New_York", "Eastern (America/New_York)"), ("America/Chicago", "Central")]),
    ("Every zone", [('x"><script>alert(1)</script>', "<b>Tom & 'Jerry'</b>"), ("Europe/Paris", "Europe/Paris")]),
]


@pytest.mark.parametrize("value", ["", "Europe/Paris", 'x"><script>alert(1)</script>'])
def test_a_long_select_offers_what_djangos_select_does_escaped(value):
    attrs = {"id": "id_time_zone", "required": True, "aria-describedby": 'help "zone"'}
    ours = _Options(str(LongSelect(choices=LONG_CHOICES).render("time_zone", value, attrs)))
    djangos = _Options(str(forms.Select(choices=LONG_CHOICES).render("time_zone", value, attrs)))
    assert ours.options == djangos.options and ours.select == djangos.select
    assert sum(selected for *_, selected in ours.options) == 1
    html = str(LongSelect(choices=LONG_CHOICES).render("time_zone", value, attrs))
    assert "<script>" not in html and "<b>" not in html
