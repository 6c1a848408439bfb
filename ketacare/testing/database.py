"""The test database is built by the migrations, with the other projects' apps migrated first.

Every xdist worker of every pass migrates its own test database, and most of that time is Django
re-rendering its model state, not SQL: an operation on a model re-renders every model related to it.
django-oauth-toolkit's migrations (about 100 operations on models that point at the user) were 40 %
of the build when they ran after KetaCare's hundred models that point at the user too. Run first,
before those models exist, they cost little: a worker's build takes about 21 s of CPU instead of 30 s.
The other projects' migrations depend only on the user model (and each other), so this is one of
the orders the dependency graph allows, and it builds the same database (compared: sqlite_master on
SQLite; pg_dump of the schema and of the data on PostgreSQL).
"""

import pytest
from django.core.management.commands import migrate


def _other_projects_apps() -> list[str]:
    from django.apps import apps
    from django.db.migrations.loader import MigrationLoader

    migrated = {app_label for app_label, _ in MigrationLoader(None, ignore_no_migrations=True).graph.leaf_nodes()}
    return [
        app.label for app in apps.get_app_configs() if not app.name.startswith("ketacare.") and app.label in migrated
    ]


def _migrate_other_projects_first_once() -> None:
    """The next full `migrate` (pytest-django's test database creation) migrates the other projects'
    apps first, one after another, then everything; later calls are Django's own again."""
    original = migrate.Command.handle

    def handle(self, *args, **options):
        migrate.Command.handle = original
        if not options.get("app_label"):
            for app_label in _other_projects_apps():
                original(
                    self, *args, **{**options, "app_label": app_label, "migration_name": None, "run_syncdb": False}
                )
        return original(self, *args, **options)

    migrate.Command.handle = handle


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """pytest-django's hook that runs just before it creates the test databases (its own does nothing
    more than ask for the xdist suffix)."""
    _migrate_other_projects_first_once()
