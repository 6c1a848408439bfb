"""SMART apps registered before OpenID Connect sign their id_tokens with the server's RSA key (RS256), as new
registrations do (fhir/smart/actions.py): without an algorithm django-oauth-toolkit can sign none."""

from django.db import migrations


def sign_with_rs256(apps, schema_editor):
    Application = apps.get_model("oauth2_provider", "Application")
    Application.objects.filter(smart_app__isnull=False, algorithm="").update(algorithm="RS256")


class Migration(migrations.Migration):
    dependencies = [
        ("fhir", "0004_move_historical_scores_to_measures"),
        ("oauth2_provider", "0004_auto_20200902_2022"),  # Application.algorithm
    ]

    operations = [migrations.RunPython(sign_with_rs256, migrations.RunPython.noop)]
