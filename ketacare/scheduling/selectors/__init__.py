"""Every access-checked read of scheduling, one module per topic (the same topics as actions/, views/
and api/): booking, resources, courses, waitlist, attendance, feeds."""
