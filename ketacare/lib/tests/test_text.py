"""Free text an action stores: stripped; refused, naming the field, when it is not storable."""

from typing import Annotated

import pytest
from django.core.exceptions import ValidationError
from pydantic import StringConstraints, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from ketacare.lib.text import NO_NUL, NO_NUL_NOT_BLANK, REASON_MAX_CHARS, clean_reason, clean_text


def _refusal(call) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as exc:
        call()
    return exc.value.message_dict


def test_text_is_stripped_and_none_is_empty():
    assert clean_text("note", "  two words \n") == "two words"
    assert clean_text("note", None) == ""
    assert clean_text("note", "") == ""


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (5, "Must be text."),
        (b"bytes", "Must be text."),
        ("a\x00b", "Remove the NUL character."),
        ("x" * 11, "Keep this under 10 characters."),
    ],
)
def test_what_cannot_be_stored_is_refused_naming_the_field(value, message):
    assert _refusal(lambda: clean_text("note", value, max_chars=10)) == {"note": [message]}


def test_the_length_is_counted_after_stripping():
    assert clean_text("note", "  " + "x" * 10 + "  ", max_chars=10) == "x" * 10


@pytest.mark.parametrize("blank", [None, "", "   \t\n"])
def test_required_text_must_not_be_blank(blank):
    assert _refusal(lambda: clean_text("lot_number", blank, required=True)) == {
        "lot_number": ["This field is required."]
    }


def test_a_reason_is_required_unless_said_and_named_reason():
    assert clean_reason(" patient asked ") == "patient asked"
    assert _refusal(lambda: clean_reason("  ")) == {"reason": ["This field is required."]}
    assert clean_reason("", required=False) == ""
    assert _refusal(lambda: clean_reason("", field="withdrawal_reason")) == {
        "withdrawal_reason": ["This field is required."]
    }
    assert "reason" in _refusal(lambda: clean_reason("x" * (REASON_MAX_CHARS + 1)))


@pytest.mark.parametrize(
    ("pattern", "value", "accepted"),
    [
        (NO_NUL, "", True),
        (NO_NUL, "any\ntext", True),
        (NO_NUL, "a\x00b", False),
        (NO_NUL_NOT_BLANK, "reason", True),
        (NO_NUL_NOT_BLANK, "  \n", False),
        (NO_NUL_NOT_BLANK, "", False),
        (NO_NUL_NOT_BLANK, "x\x00", False),
    ],
)
def test_the_api_patterns_say_the_same_in_a_schema(pattern, value, accepted):
    adapter = TypeAdapter(Annotated[str, StringConstraints(pattern=pattern)])
    if accepted:
        assert adapter.validate_python(value) == value
    else:
        with pytest.raises(PydanticValidationError):
            adapter.validate_python(value)
