"""The `migrate_to` fixture: moving the test database to a migration and back, for data migrations' tests.

Unapplying, Django's executor renders the whole project state at the first migration it unapplies and then
carries that rendered state through every later migration of the project: each operation on a model
re-renders every model related to it, and KetaCare's models all meet at the user and the organisation
(the outbox migration's test spent 22.7 s of CPU, 4.6 s now). Unapplying a migration needs only the state
before it; `_unapply` computes the same states without rendering them, and each operation renders what
it uses.
"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.state import ProjectState


@pytest.fixture
def migrate_to():
    """`migrate_to(targets)` migrates the test database forwards or backwards to `targets` (as
    `ketacare migrate app name` would) and returns the models of that state. The test is transactional."""
    return _migrate_to


def _migrate_to(targets: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(targets)
    if plan and all(backwards for _, backwards in plan):
        _unapply(executor, plan)
    else:
        executor.migrate(targets, plan=plan)
    return executor.loader.project_state(targets).apps


def _unapply(executor: MigrationExecutor, plan) -> None:
    """Django's `MigrationExecutor._migrate_all_backwards` without rendering the states it walks through."""
    loader = executor.loader
    to_unapply = {migration for migration, _ in plan}
    applied = {loader.graph.nodes[key] for key in loader.applied_migrations if key in loader.graph.nodes}
    state = ProjectState(real_apps=loader.unmigrated_apps)
    states_before = {}
    for migration, _ in executor.migration_plan(loader.graph.leaf_nodes(), clean_start=True):
        if migration in to_unapply:
            states_before[migration] = state.clone()
            if len(states_before) == len(to_unapply):
                break
        if migration in applied:
            migration.mutate_state(state, preserve=False)
    for migration, _ in plan:
        executor.unapply_migration(states_before[migration], migration)
    executor.check_replacements()
