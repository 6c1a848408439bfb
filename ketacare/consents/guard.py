"""Signed consents and their revocations are append-only in the database too (lib/append_only.py).

Migration 0002 installs the triggers; ConsentsConfig.ready() registers the tables for `ketacare flush`.
"""

from ketacare.lib.append_only import AppendOnlyTable

SIGNED_CONSENTS = AppendOnlyTable(
    table="consents_signedconsent", trigger_prefix="signed_consent", message="signed consents are append-only"
)
CONSENT_REVOCATIONS = AppendOnlyTable(
    table="consents_consentrevocation",
    trigger_prefix="consent_revocation",
    message="consent revocations are append-only",
)
GUARDED_TABLES = (SIGNED_CONSENTS, CONSENT_REVOCATIONS)
