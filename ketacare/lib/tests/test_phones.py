"""Phone numbers are stored in E.164 so the same number always compares equal."""

import pytest

from ketacare.lib.phones import normalise_phone


@pytest.mark.parametrize(
    "raw",
    ["(503) 555-0123", "503-555-0123", "+1 503 555 0123", "  5035550123 ", "+15035550123"],
)
def test_us_numbers_in_any_spelling_become_one_e164_number(raw):
    assert normalise_phone(raw) == "+15035550123"


def test_a_number_with_its_country_code_keeps_that_country():
    assert normalise_phone("+44 20 7946 0018") == "+442079460018"


def test_another_default_region_reads_local_numbers_there():
    assert normalise_phone("020 7946 0018", region="GB") == "+442079460018"


@pytest.mark.parametrize("raw", ["", "   "])
def test_no_number_stays_empty(raw):
    assert normalise_phone(raw) == ""


@pytest.mark.parametrize("raw", ["call me", "555-0123", "+1 000 000 0000", "12"])
def test_what_cannot_be_dialled_is_refused_with_an_example(raw):
    with pytest.raises(ValueError, match=r"for example \(503\) 555-0123"):
        normalise_phone(raw)
