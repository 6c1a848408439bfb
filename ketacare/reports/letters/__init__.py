"""Referral letters to the referring clinician: actions, selectors, pages, API and PDF (one topic of
reports, in its own package)."""
