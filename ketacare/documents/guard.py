"""Documents "entered in error": the marks are append-only in the database too (ketacare/lib/append_only.py).

A document is never deleted and its row never rewritten: withdrawing it is a new row saying who,
when and why, and the file stays in storage. Migration 0002 installs the triggers;
DocumentsConfig.ready() registers the table so that `ketacare flush` lifts them for its duration only.
"""

from ketacare.lib.append_only import AppendOnlyTable

DOCUMENT_ERROR_MARKS = AppendOnlyTable(
    table="documents_documententeredinerror",
    trigger_prefix="document_error_mark",
    message="document error marks are append-only",
)
