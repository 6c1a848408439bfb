"""Access-checked reads, one module per topic: outcomes (trends, the dashboard), progress_summary, audit_trail."""
