import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ketacare.audit.models import AuditAction, AuditEntry
from ketacare.clinics.actions import do_save_clinic_page
from ketacare.clinics.models import ClinicPage

NON_ADMIN_ROLES = ["front_desk", "nurse", "prescriber", "therapist"]


@pytest.fixture
def own_page(org):
    return ClinicPage.objects.create(organisation=org, slug="safety", title="Safety", body="Old text.")


@pytest.fixture
def foreign_page(other_org):
    return ClinicPage.objects.create(organisation=other_org, slug="theirs", title="Their page", body="Theirs.")


def manage_urls(page_id):
    return [
        reverse("clinics:pages_manage"),
        reverse("clinics:page_create"),
        reverse("clinics:page_edit", args=[page_id]),
        reverse("clinics:settings"),
    ]


def page_data(**overrides):
    data = {
        "title": "What to expect",
        "slug": "what-to-expect",
        "body": "First paragraph.\n\nSecond.",
        "position": "2",
        "is_published": "on",
    }
    data.update(overrides)
    return data


def test_anonymous_visitors_are_sent_to_sign_in(client, own_page):
    for url in manage_urls(own_page.pk):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:login")), url


@pytest.mark.parametrize("role", NON_ADMIN_ROLES)
def test_staff_without_the_permission_get_403(signed_in, staff, own_page, role):
    client = signed_in(staff[role])
    for url in manage_urls(own_page.pk):
        assert client.get(url).status_code == 403, url
    assert client.post(reverse("clinics:page_create"), page_data()).status_code == 403
    assert not ClinicPage.objects.filter(slug="what-to-expect").exists()


def test_management_pages_are_behind_the_second_factor(client, staff, own_page):
    """Only /c/ is exempt from two-factor; management must not live under it."""
    client.force_login(staff["clinic_admin"])  # password done, code not yet entered
    for url in manage_urls(own_page.pk):
        assert not url.startswith("/c/"), url
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("accounts:verify")), url


def test_the_list_shows_only_the_admins_own_pages(signed_in, staff, own_page, foreign_page):
    ClinicPage.objects.create(
        organisation=own_page.organisation, slug="draft", title="A draft", body="x", is_published=False
    )

    html = signed_in(staff["clinic_admin"]).get(reverse("clinics:pages_manage")).content.decode()

    assert "Safety" in html and "A draft" in html
    assert "Their page" not in html


def test_another_organisations_page_is_404_and_unchanged(signed_in, staff, foreign_page):
    client = signed_in(staff["clinic_admin"])
    url = reverse("clinics:page_edit", args=[foreign_page.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, page_data(title="Hijacked")).status_code == 404
    foreign_page.refresh_from_db()
    assert foreign_page.title == "Their page"


def test_creating_a_page_saves_it_and_audits_it(signed_in, staff, org):
    admin = staff["clinic_admin"]

    response = signed_in(admin).post(reverse("clinics:page_create"), page_data())

    assert response.status_code == 302
    page = ClinicPage.objects.get(organisation=org, slug="what-to-expect")
    assert page.title == "What to expect" and page.position == 2 and page.is_published
    entry = AuditEntry.objects.get(object_type="clinics.clinicpage", object_id=str(page.pk))
    assert entry.action == AuditAction.CREATE and entry.actor == admin
    assert entry.organisation == org and entry.patient is None


def test_a_blank_slug_is_made_from_the_title(signed_in, staff, org):
    signed_in(staff["clinic_admin"]).post(reverse("clinics:page_create"), page_data(title="Who it may help", slug=""))

    assert ClinicPage.objects.filter(organisation=org, slug="who-it-may-help").exists()


@pytest.mark.parametrize(
    "slug, message",
    [
        ("safety", "already uses"),  # taken by own_page
        ("request", "consultation request form"),
        ("not a slug!", "valid"),
    ],
)
def test_a_bad_slug_is_refused_on_the_slug_field_and_nothing_is_written(signed_in, staff, own_page, slug, message):
    client = signed_in(staff["clinic_admin"])
    before = AuditEntry.objects.count()

    response = client.post(reverse("clinics:page_create"), page_data(slug=slug))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["slug"])
    assert ClinicPage.objects.count() == 1
    assert AuditEntry.objects.count() == before


def test_the_same_slug_in_another_organisation_is_fine(signed_in, staff, org, foreign_page):
    signed_in(staff["clinic_admin"]).post(reverse("clinics:page_create"), page_data(slug="theirs"))

    assert ClinicPage.objects.filter(organisation=org, slug="theirs").exists()


def test_editing_a_page_saves_the_changes_and_audits_what_changed(signed_in, staff, own_page):
    response = signed_in(staff["clinic_admin"]).post(
        reverse("clinics:page_edit", args=[own_page.pk]),
        page_data(title="Safety", slug="safety", body="New text.", position="0", is_published=""),
    )

    assert response.status_code == 302
    own_page.refresh_from_db()
    assert own_page.body == "New text." and not own_page.is_published
    entry = AuditEntry.objects.get(object_type="clinics.clinicpage", object_id=str(own_page.pk))
    assert entry.action == AuditAction.UPDATE
    assert sorted(entry.detail["changed"]) == ["body", "is_published"]


def test_an_empty_body_is_refused(signed_in, staff, own_page):
    response = signed_in(staff["clinic_admin"]).post(
        reverse("clinics:page_edit", args=[own_page.pk]), page_data(slug="safety", body="")
    )

    assert "body" in response.context["form"].errors
    own_page.refresh_from_db()
    assert own_page.body == "Old text."


def test_the_action_refuses_another_organisations_page(staff, org, foreign_page):
    with pytest.raises(PermissionDenied):
        do_save_clinic_page(staff["clinic_admin"], organisation=org, page=foreign_page, title="Hijacked")
    with pytest.raises(PermissionDenied):
        do_save_clinic_page(
            staff["clinic_admin"], organisation=foreign_page.organisation, title="Planted", slug="planted", body="x"
        )
    assert not ClinicPage.objects.filter(slug="planted").exists()
    foreign_page.refresh_from_db()
    assert foreign_page.title == "Their page"
