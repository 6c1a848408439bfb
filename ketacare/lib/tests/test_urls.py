import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from ketacare.lib.urls import url_of, url_with_id, urls_for_id, urls_of, urls_with_id, urls_with_last_id


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
        assert urls_for_id(pk)("treatments:start") == reverse("treatments:start", args=[pk])
        status_url = urls_with_last_id("patients:diagnosis_status", pk)
        for entry_id in (0, 7, 9876543210):
            assert status_url(entry_id) == reverse("patients:diagnosis_status", args=[pk, entry_id])


def test_a_site_under_a_sub_path_gets_its_own_urls(script_prefix):
    url_of("patients:list"), url_with_id("patients:detail", 3)
    script_prefix("/clinic/")
    assert url_of("patients:list") == urls_of()("patients:list") == reverse("patients:list") == "/clinic/patients/"
    assert urls_with_id("patients:detail")(3) == "/clinic/patients/3/"
    assert url_with_id("patients:detail", 3) == reverse("patients:detail", args=[3]) == "/clinic/patients/3/"
    assert urls_with_last_id("patients:diagnosis_status", 3)(4) == "/clinic/patients/3/diagnoses/4/status/"
    assert urls_for_id(3)("patients:edit") == "/clinic/patients/3/edit/"


def test_what_is_no_id_is_refused_as_reverse_refuses_it():
    with pytest.raises(NoReverseMatch):
        url_with_id("patients:detail", "3/../../admin")
    with pytest.raises(NoReverseMatch):
        url_with_id("patients:detail", -1)
    with pytest.raises(NoReverseMatch):
        urls_with_id("patients:detail")(-1)
    with pytest.raises(NoReverseMatch):
        urls_with_last_id("patients:diagnosis_status", 3)(-1)
    with pytest.raises(NoReverseMatch):
        urls_for_id(-1)("patients:detail")
