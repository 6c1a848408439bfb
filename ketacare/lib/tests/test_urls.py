import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from ketacare.lib.urls import url_of, url_with_id, urls_of, urls_with_id


@pytest.fixture
def script_prefix():
    yield set_script_prefix
    set_script_prefix("/")


def test_urls_reversed_once_are_what_reverse_gives():
    assert url_of("patients:list") == urls_of()("patients:list") == reverse("patients:list")
    patient_url = urls_with_id("patients:detail")
    for pk in (0, 7, 1234567):
        assert url_with_id("patients:detail", pk) == patient_url(pk) == reverse("patients:detail", args=[pk])
        assert url_with_id("treatments:start", pk) == reverse("treatments:start", args=[pk])


def test_a_site_under_a_sub_path_gets_its_own_urls(script_prefix):
    url_of("patients:list"), url_with_id("patients:detail", 3)
    script_prefix("/clinic/")
    assert url_of("patients:list") == urls_of()("patients:list") == reverse("patients:list") == "/clinic/patients/"
    assert urls_with_id("patients:detail")(3) == "/clinic/patients/3/"
    assert url_with_id("patients:detail", 3) == reverse("patients:detail", args=[3]) == "/clinic/patients/3/"


def test_what_is_no_id_is_refused_as_reverse_refuses_it():
    with pytest.raises(NoReverseMatch):
        url_with_id("patients:detail", "3/../../admin")
    with pytest.raises(NoReverseMatch):
        url_with_id("patients:detail", -1)
    with pytest.raises(NoReverseMatch):
        urls_with_id("patients:detail")(-1)
