import pytest
from django.urls import reverse

from ketacare.clinics.models import ClinicPage


@pytest.fixture
def pages(org, other_org):
    return {
        "published": ClinicPage.objects.create(
            organisation=org,
            slug="safety",
            title="Safety first",
            position=1,
            body="Blood pressure is checked.\n\nDo not drive until the next day <script>alert(1)</script>",
        ),
        "draft": ClinicPage.objects.create(
            organisation=org,
            slug="draft",
            title="Unfinished draft",
            body="Not yet.",
            is_published=False,
        ),
        "elsewhere": ClinicPage.objects.create(
            organisation=other_org,
            slug="elsewhere-only",
            title="Elsewhere page",
            body="Theirs.",
        ),
    }


def test_the_index_shows_contact_locations_published_pages_and_the_crisis_notice(client, org, pages):
    location = org.locations.first()
    location.address = "200 Harbor Way\nPortland, OR 97201"
    location.save(update_fields=["address"])

    response = client.get(reverse("clinics:pages", args=[org.slug]))

    assert response.status_code == 200
    html = response.content.decode()
    assert org.name in html and org.phone in html
    assert "200 Harbor Way<br>Portland, OR 97201" in html
    assert "Safety first" in html
    assert "Unfinished draft" not in html and "Elsewhere page" not in html
    assert f'href="{reverse("inquiry_public:form", args=[org.slug])}"' in html
    assert '<div class="crisis"' in html and "988" in html


def test_an_unknown_organisation_is_404(client, db):
    assert client.get(reverse("clinics:pages", args=["nowhere"])).status_code == 404


def test_a_published_page_renders_paragraphs_and_escapes_its_body(client, org, pages):
    response = client.get(reverse("clinics:page", args=[org.slug, "safety"]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "<p>Blood pressure is checked.</p>" in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html


@pytest.mark.parametrize(
    "org_slug, page_slug",
    [
        ("harbor", "draft"),  # unpublished
        ("harbor", "elsewhere-only"),  # another organisation's page under this one's address
        ("harbor", "no-such-page"),
    ],
)
def test_pages_the_public_may_not_see_are_404(client, pages, org_slug, page_slug):
    assert client.get(reverse("clinics:page", args=[org_slug, page_slug])).status_code == 404


def test_public_pages_need_no_second_factor(client, staff, pages):
    """A signed-in admin who has not entered their code yet still reads the public pages."""
    client.force_login(staff["clinic_admin"])

    assert client.get(reverse("clinics:pages", args=["harbor"])).status_code == 200
    assert client.get(reverse("clinics:page", args=["harbor", "safety"])).status_code == 200
