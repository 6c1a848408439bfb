"""Imported PHQ-9/GAD-7 totals move to measures (ExternalScore), so the trends in reports and measures can show
them: each row is copied with its id (the Observation id `history-<id>` stays the same), its source taken from
the import's source-id map, the map then points at the new rows, and fhir's table goes."""

from django.core.management.color import no_style
from django.db import migrations

IMPORT_SYSTEM_PREFIX = "https://ketacare.org/fhir/sid/import/"  # fhir.imports.actions.source_system


def copy_to_measures(apps, schema_editor):
    HistoricalScore = apps.get_model("fhir", "HistoricalScore")
    ImportedResource = apps.get_model("fhir", "ImportedResource")
    ExternalScore = apps.get_model("measures", "ExternalScore")
    sources = {
        target_id: system.removeprefix(IMPORT_SYSTEM_PREFIX)
        for target_id, system in ImportedResource.objects.filter(target_model="fhir.HistoricalScore").values_list(
            "target_id", "source_system"
        )
    }
    copies = [
        ExternalScore(
            id=score.pk,
            patient_id=score.patient_id,
            organisation_id=score.patient.organisation_id,
            instrument=score.instrument,
            total=score.total,
            taken_at=score.effective_at,
            source=sources.get(score.pk, "another system"),
            recorded_by_id=score.recorded_by_id,
        )
        for score in HistoricalScore.objects.select_related("patient").iterator()
    ]
    ExternalScore.objects.bulk_create(copies, batch_size=500)
    # recorded_at is auto_now_add: the copy keeps the original's.
    for score in HistoricalScore.objects.only("recorded_at").iterator():
        ExternalScore.objects.filter(pk=score.pk).update(recorded_at=score.recorded_at)
    if copies:
        connection = schema_editor.connection
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [ExternalScore]):
                cursor.execute(statement)
    ImportedResource.objects.filter(target_model="fhir.HistoricalScore").update(target_model="measures.ExternalScore")


def copy_back(apps, schema_editor):
    HistoricalScore = apps.get_model("fhir", "HistoricalScore")
    ImportedResource = apps.get_model("fhir", "ImportedResource")
    ExternalScore = apps.get_model("measures", "ExternalScore")
    for score in ExternalScore.objects.iterator():
        HistoricalScore.objects.create(
            id=score.pk,
            patient_id=score.patient_id,
            instrument=score.instrument,
            total=score.total,
            effective_at=score.taken_at,
            recorded_by_id=score.recorded_by_id,
        )
    ExternalScore.objects.all().delete()
    ImportedResource.objects.filter(target_model="measures.ExternalScore").update(target_model="fhir.HistoricalScore")


class Migration(migrations.Migration):
    dependencies = [
        ("fhir", "0003_smart_apps"),
        ("measures", "0005_external_scores"),
    ]

    operations = [
        migrations.RunPython(copy_to_measures, copy_back),
        migrations.DeleteModel(name="HistoricalScore"),
    ]
