"""The audit table is append-only in the database too (ketacare/lib/append_only.py).

Migrations 0003 and 0004 install the triggers; AuditConfig.ready() registers the table so that
`ketacare flush` lifts them for its duration only.
"""

from ketacare.lib.append_only import AppendOnlyTable

AUDIT_ENTRIES = AppendOnlyTable(
    table="audit_auditentry", trigger_prefix="audit_entry", message="audit trail is append-only"
)
