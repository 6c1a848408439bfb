"""`ketacare rebuild_outcomes`: recompute the outcome dashboard's per-patient rows and recount its
pre-aggregated counts from scratch.

The actions keep both current; this is for data loaded around them (an import, a restore). One
transaction, so the dashboard never shows a half-recounted clinic.
"""

from django.core.management.base import BaseCommand
from django.db import transaction

from ketacare.patients.models import Patient
from ketacare.reports.actions import refresh_outcome_summaries, reset_outcome_counts

BATCH = 2_000


class Command(BaseCommand):
    help = "Recompute the outcome dashboard's per-patient rows and counts from the responses and treatment plans."

    @transaction.atomic
    def handle(self, *args, **options):
        reset_outcome_counts()
        ids = list(
            Patient.objects.filter(treatment_plans__isnull=False).distinct().order_by("id").values_list("id", flat=True)
        )
        for first in range(0, len(ids), BATCH):
            batch = Patient.objects.filter(id__in=ids[first : first + BATCH]).only("id", "organisation_id")
            refresh_outcome_summaries(batch)
        self.stdout.write(f"Outcome rows rebuilt for {len(ids)} patients with a treatment plan.")
