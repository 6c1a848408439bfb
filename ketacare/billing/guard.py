"""Money and credit rows are append-only in the database too (lib/append_only.py): corrections are new rows.

Migration 0002 installs the triggers; BillingConfig.ready() registers the tables for `ketacare flush`.
"""

from ketacare.lib.append_only import AppendOnlyTable

ACCOUNT_ENTRIES = AppendOnlyTable(
    table="billing_accountentry", trigger_prefix="billing_account_entry", message="account entries are append-only"
)
PACKAGE_CREDIT_USES = AppendOnlyTable(
    table="billing_packagecredituse",
    trigger_prefix="billing_package_credit_use",
    message="package credit uses are append-only",
)
CLAIM_STATUS_CHANGES = AppendOnlyTable(
    table="billing_claimstatuschange",
    trigger_prefix="billing_claim_status_change",
    message="claim status changes are append-only",
)
GUARDED_TABLES = (ACCOUNT_ENTRIES, PACKAGE_CREDIT_USES, CLAIM_STATUS_CHANGES)
