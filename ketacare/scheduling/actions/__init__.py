"""Every write of scheduling, one module per topic (the same topics as selectors/, views/ and api/):
booking, resources, courses, waitlist, attendance, feeds, reminders."""
