"""The 403 and 404 pages give a way back (issue 14.8)."""


def test_the_not_found_page_leads_home_and_to_sign_in(client, db):
    # An anonymous visitor may have followed an old link: offer the start page and sign-in.
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<a class="button" href="/">Go to the start page</a>' in page
    assert 'href="/accounts/login/?next=/no-such-page/"' in page


def test_the_forbidden_page_leads_home(client, staff, signed_in):
    signed_in(staff["nurse"])
    response = client.get("/ledger/settings/")
    assert response.status_code == 403
    page = response.content.decode()
    assert '<a class="button" href="/">Go to the start page</a>' in page and "ask your clinic admin" in page
    assert "/accounts/login/" not in page
