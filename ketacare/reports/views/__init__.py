"""Pages, one module per topic, as in selectors/: outcomes, progress_summary, audit_trail."""
