"""Which client address is trusted behind proxies: only as many X-Forwarded-For hops as configured."""

import pytest
from django.test import RequestFactory

from ketacare.audit.context import client_address
from ketacare.audit.models import AuditAction, AuditEntry


def address(forwarded_for=None, remote="10.0.0.1"):
    headers = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client_address(RequestFactory().get("/", **headers))


def test_without_trusted_proxies_the_header_is_ignored(settings):
    settings.TRUSTED_PROXY_HOPS = 0
    assert address("203.0.113.9") == "10.0.0.1"


@pytest.mark.parametrize(
    ("hops", "forwarded_for", "expected"),
    [
        # One proxy appended the real peer; the leftmost entry is whatever the client sent.
        (1, "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        (2, "1.2.3.4, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        # Malformed entries are skipped, never trusted.
        (1, "not-an-address, 198.51.100.7", "198.51.100.7"),
        (1, "198.51.100.7, garbage", "198.51.100.7"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_address_is_taken_hops_from_the_right(settings, hops, forwarded_for, expected):
    settings.TRUSTED_PROXY_HOPS = hops
    assert address(forwarded_for) == expected


def test_fewer_entries_than_hops_fall_back_to_the_direct_peer(settings):
    settings.TRUSTED_PROXY_HOPS = 2
    assert address("198.51.100.7") == "10.0.0.1"
    assert address("") == "10.0.0.1"


def test_a_forged_leftmost_entry_never_reaches_the_audit_trail(client, staff, password, settings):
    settings.TRUSTED_PROXY_HOPS = 1
    client.post(
        "/accounts/login/",
        {"username": "nurse_harbor", "password": password},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7",
    )
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN)
    assert entry.source_address == "198.51.100.7"
    assert not AuditEntry.objects.filter(source_address="6.6.6.6").exists()
