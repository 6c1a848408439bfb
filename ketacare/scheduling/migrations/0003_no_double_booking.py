"""No double booking, guaranteed by PostgreSQL: exclusion constraints over time ranges.

A chair is held over [starts_at, chair_free_at) and a clinician over [starts_at, ends_at)
by every live appointment; half-open ranges let one appointment start the minute another
ends. SQLite has no exclusion constraints: there the booking transaction takes the write
lock (BEGIN IMMEDIATE, see settings) before it checks, which serialises bookings.
btree_gist is a trusted extension (PostgreSQL 13+), so the database owner may create it.
"""

from django.db import migrations

LIVE = "status IN ('booked', 'checked_in', 'completed')"

FORWARD = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_chair_overlap
        EXCLUDE USING gist (chair_id WITH =, tstzrange(starts_at, chair_free_at, '[)') WITH &&)
        WHERE (chair_id IS NOT NULL AND {LIVE})""",
    f"""ALTER TABLE scheduling_appointment ADD CONSTRAINT appointment_no_clinician_overlap
        EXCLUDE USING gist (clinician_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (clinician_id IS NOT NULL AND {LIVE})""",
]
BACKWARD = [
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_clinician_overlap",
    "ALTER TABLE scheduling_appointment DROP CONSTRAINT IF EXISTS appointment_no_chair_overlap",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            for statement in statements:
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0002_resources_appointments")]
    operations = [migrations.RunPython(_run(FORWARD), _run(BACKWARD))]
