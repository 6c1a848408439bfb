from django.db import migrations


def create_builtins(apps, schema_editor):
    from ketacare.protocols.builtins import seed_protocols

    seed_protocols(apps.get_model("protocols", "ProtocolTemplate"))


class Migration(migrations.Migration):
    dependencies = [("protocols", "0001_initial")]

    operations = [migrations.RunPython(create_builtins, migrations.RunPython.noop)]
