"""Pages of scheduling, one module per topic (the same topics as actions/, selectors/ and api/):
booking, resources, courses, waitlist, attendance, feeds. Thin: parse a form, call one action or selector."""
