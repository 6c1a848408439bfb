"""The ledger table is append-only in the database too (ketacare/lib/append_only.py).

No UPDATE or DELETE of a ledger row is ever needed: corrections are new entries. Migrations 0002
and 0003 install the triggers; LedgerConfig.ready() registers the table so that `ketacare flush`
lifts them for its duration only.
"""

from ketacare.lib.append_only import AppendOnlyTable

LEDGER_ENTRIES = AppendOnlyTable(
    table="ledger_ledgerentry", trigger_prefix="ledger_entry", message="ledger is append-only"
)
