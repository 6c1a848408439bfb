"""The form-action idiom: success is a message and a redirect; bad input, from the form or the
action, is shown on the form naming the field and changes nothing; a button's error is a message."""

import pytest
from django import forms
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.urls import path

from ketacare.lib.views import run_action, run_form_action, settings_form_page

notes: list[str] = []


class NoteForm(forms.Form):
    text = forms.CharField(max_length=20)


def _save_note(text: str) -> int:
    """An action: refuses some input naming a field of the form, or one the form does not show."""
    if text == "taken":
        raise ValidationError({"text": "That text is taken."})
    if text == "elsewhere":
        raise ValidationError({"owner_id": "Not one of your notes."})
    notes.append(text)
    return len(notes)


def note_view(request):
    form = NoteForm(request.POST or None)
    return run_form_action(
        request,
        form,
        lambda: _save_note(**form.cleaned_data),
        success=lambda number: f"Saved note {number}.",
        redirect_to=lambda number: f"/notes/{number}/",
    ) or HttpResponse(form.errors.as_json(), content_type="application/json", status=422 if form.errors else 200)


def fixed_view(request):
    form = NoteForm(request.POST)
    return run_form_action(
        request, form, lambda: _save_note(**form.cleaned_data), success="Saved.", redirect_to="/notes/"
    ) or HttpResponse(status=422)


def _sign():
    if notes:
        raise ValidationError({"lot_number": ["Enter the lot number."]})


def sign_view(request):
    return run_action(request, _sign, success="Signed.", redirect_to="/notes/", failure="Not signed.")


def plain_failure_view(request):
    return run_action(request, _sign, success="Signed.", redirect_to="/notes/")


class GroupSettingsForm(forms.ModelForm):
    class Meta:
        model = Group
        fields = ["name"]


updates: list[dict] = []


def _update_group_settings(actor, **changes) -> None:
    """A settings action: refuses one value, naming the field."""
    if changes.get("name") == "refused":
        raise ValidationError({"name": "Not that name."})
    updates.append(changes)


def settings_view(request):
    return settings_form_page(
        request,
        form_class=GroupSettingsForm,
        current=Group.objects.get_or_create(name="current")[0],
        update=_update_group_settings,
        template="settings_page.html",
        redirect_to="/settings/",
    )


urlpatterns = [
    path("settings/", settings_view),
    path("note/", note_view),
    path("fixed/", fixed_view),
    path("sign/", sign_view),
    path("plain/", plain_failure_view),
]
pytestmark = [pytest.mark.urls(__name__), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _no_notes():
    notes.clear()
    updates.clear()


@pytest.fixture
def settings_template(settings, tmp_path):
    (tmp_path / "settings_page.html").write_text("{{ form.name.value }} {{ form.errors.as_json }}")
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path]}]


def _messages(response) -> list[tuple[str, str]]:
    return [(message.level_tag, message.message) for message in get_messages(response.wsgi_request)]


def test_an_unbound_form_is_left_for_the_view_to_render(client):
    response = client.get("/note/")
    assert (response.status_code, response.content) == (200, b"{}")


def test_success_is_a_message_and_a_redirect_that_may_depend_on_the_result(client):
    response = client.post("/note/", {"text": "first"})
    assert (response.status_code, response["Location"]) == (302, "/notes/1/")
    assert _messages(response) == [("success", "Saved note 1.")]
    assert notes == ["first"]


def test_success_message_and_address_may_be_fixed(client):
    response = client.post("/fixed/", {"text": "second"})
    assert (response.status_code, response["Location"]) == (302, "/notes/")
    assert _messages(response) == [("success", "Saved.")]


def test_invalid_form_input_never_reaches_the_action(client):
    response = client.post("/note/", {"text": "x" * 21})
    assert response.status_code == 422 and "text" in response.json()
    assert notes == [] and _messages(response) == []


def test_an_action_error_lands_on_the_field_it_names(client):
    response = client.post("/note/", {"text": "taken"})
    assert response.status_code == 422
    assert response.json() == {"text": [{"message": "That text is taken.", "code": ""}]}
    assert notes == [] and _messages(response) == []


def test_an_action_error_about_a_field_the_form_lacks_goes_on_top_naming_it(client):
    response = client.post("/note/", {"text": "elsewhere"})
    assert response.json() == {"__all__": [{"message": "owner id: Not one of your notes.", "code": ""}]}
    assert notes == []


def test_a_button_reports_success_as_a_message(client):
    response = client.post("/sign/")
    assert (response.status_code, response["Location"]) == (302, "/notes/")
    assert _messages(response) == [("success", "Signed.")]


def test_a_button_reports_a_refusal_as_an_error_message_naming_the_field(client):
    notes.append("draft")
    response = client.post("/sign/")
    assert (response.status_code, response["Location"]) == (302, "/notes/")
    assert _messages(response) == [("error", "Not signed. Lot number: Enter the lot number.")]


def test_a_refusal_without_a_failure_text_is_the_error_alone(client):
    notes.append("draft")
    assert _messages(client.post("/plain/")) == [("error", "Lot number: Enter the lot number.")]


def _open(number: int) -> str:
    if number > 1:
        raise ValidationError("No such note.")
    return f"/notes/{number}/"


def open_view(request, number: int):
    return run_action(
        request, lambda: _open(number), success="Opened.", redirect_to=lambda url: url, failure_redirect_to="/notes/"
    )


urlpatterns.append(path("open/<int:number>/", open_view))


def test_a_button_may_send_success_and_refusal_to_different_pages(client):
    assert client.post("/open/1/")["Location"] == "/notes/1/"
    response = client.post("/open/2/")
    assert response["Location"] == "/notes/"
    assert _messages(response)[-1] == ("error", "No such note.")


def test_a_result_dependent_address_needs_a_refusal_address():
    with pytest.raises(TypeError):
        run_action(None, lambda: None, success="", redirect_to=lambda result: "/")


def test_a_settings_page_shows_the_current_row_and_sends_only_changed_fields_to_the_action(client, settings_template):
    assert client.get("/settings/").content.decode().startswith("current")
    unchanged = client.post("/settings/", {"name": "current"})
    changed = client.post("/settings/", {"name": "renamed"})
    assert updates == [{}, {"name": "renamed"}]
    assert (changed.status_code, changed["Location"]) == (302, "/settings/")
    assert ("success", "Settings saved.") in _messages(changed) and unchanged.status_code == 302


def test_a_refused_setting_is_shown_on_its_field_with_422(client, settings_template):
    response = client.post("/settings/", {"name": "refused"})
    assert response.status_code == 422 and "Not that name." in response.content.decode()
    assert updates == []
