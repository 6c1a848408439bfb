"""The entry point of KetaCare's pytest plugin (`-p ketacare.testing.plugin` in pyproject.toml).

pytest imports this module while it reads its options, before pytest-django has set Django up; the
fixture modules import models, so they are registered at `pytest_configure`, when Django is ready.
"""

import os
from collections import Counter

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls
# made by tests alongside it are synchronous and safe (test-only setting).
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

FIXTURE_MODULES = (
    "ketacare.testing.database",
    "ketacare.testing.personas",
    "ketacare.testing.mail",
    "ketacare.testing.browser",
    "ketacare.testing.stock",
    "ketacare.testing.intake",
    "ketacare.testing.consents",
    "ketacare.testing.plans",
    "ketacare.testing.clinic",
    "ketacare.testing.sessions",
    "ketacare.testing.pdf",
    "ketacare.testing.audit_trail",
    "ketacare.testing.x12",
    "ketacare.testing.billing",
    "ketacare.testing.claims",
    "ketacare.testing.printed",
    "ketacare.testing.migrations",
    "ketacare.testing.queries",
)

# A test that asks for one of these (directly or through its fixtures) or carries the django_db
# marker uses the database; pytest-django refuses database access to any other test. (Every test has
# django_db_blocker through pytest-django's autouse fixtures, so it says nothing.)
DATABASE_FIXTURES = frozenset(
    {
        "db",
        "transactional_db",
        "django_db_reset_sequences",
        "django_db_serialized_rollback",
        "live_server",
    }
)


def pytest_addoption(parser):
    parser.addoption(
        "--database-tests-only",
        action="store_true",
        help="run only the tests that use the database (scripts/test.sh's PostgreSQL pass: the others "
        "cannot behave differently on another database and already ran on SQLite)",
    )


def pytest_configure(config):
    from ketacare.testing.api_schema import build_coverage_cases_when_run
    from ketacare.testing.live_server import serialize_requests_on_shared_connections

    serialize_requests_on_shared_connections()
    build_coverage_cases_when_run()
    for module in FIXTURE_MODULES:
        config.pluginmanager.import_plugin(module)
    # xdist registers its mark only when loaded; a run with `-p no:xdist` would warn about it.
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one worker (--dist loadgroup)")


def uses_database(item) -> bool:
    return item.get_closest_marker("django_db") is not None or not DATABASE_FIXTURES.isdisjoint(
        getattr(item, "fixturenames", ())
    )


def pytest_collection_modifyitems(config, items):
    # Set on the xdist workers of a `--dist loadgroup` run (scripts/test.sh).
    if getattr(config.option, "loadgroup", False):
        give_node_ids_for_loadgroup(items)
    if not config.getoption("database_tests_only"):
        return
    without_database = [item for item in items if not uses_database(item)]
    if without_database:
        config.hook.pytest_deselected(items=without_database)
        items[:] = [item for item in items if uses_database(item)]


def give_node_ids_for_loadgroup(items) -> None:
    """`--dist loadgroup` sends the tests of one `xdist_group` to one worker (the demo clinic is seeded once
    per pass, site/tests/test_seed_demo.py). xdist 3.8 tells its scheduler a test's group by appending
    `@group` to the test's node id through the `_nodeid` attribute, which pytest 9.2 no longer reads
    (pytest-xdist issue 1386): nothing was grouped. The scheduler keys its work by node id, and schemathesis
    gives every API operation of a test the test's id (the operation only in the name): all but one would
    be dropped. Here each such item's id carries its name, and a grouped test's id its group."""
    try:
        from _pytest.nodeid import NodeId
    except ImportError:  # pytest before 9.2 reads xdist's `_nodeid` and gives parametrised items their own ids
        return
    repeated = {node_id for node_id, count in Counter(item.nodeid for item in items).items() if count > 1}
    for item in items:
        node_id = item.nodeid
        if node_id in repeated:
            node_id = f"{node_id.rpartition('::')[0]}::{item.name}"
        marks = item.iter_markers("xdist_group")
        groups = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default")) for mark in marks})
        if groups and not node_id.endswith(group_suffix := "@" + "_".join(groups)):
            node_id += group_suffix
        if node_id != item.nodeid:
            item._id = NodeId.parse(node_id)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """A transactional test (browser stories, concurrency) ends with a flush that also empties the
    built-in protocol templates migration 0002 put there (and consents' built-in texts, its migration
    0002); tests after it (pytest orders browser
    tests among the others) expect them, so they are put back once the test's fixtures are gone."""
    result = yield
    marker = item.get_closest_marker("django_db")
    # After the last test (of this xdist worker) the test database is already gone, and nothing needs
    # the templates.
    if nextitem is not None and (
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker and marker.kwargs.get("transaction"))
    ):
        from pytest_django.plugin import blocking_manager_key

        from ketacare.consents.builtins import seed_consent_templates
        from ketacare.protocols.builtins import seed_protocols

        with item.config.stash[blocking_manager_key].unblock():
            seed_protocols()
            seed_consent_templates()
    return result


@pytest.fixture(autouse=True)
def _test_settings(settings):
    from ketacare.audit.appending import forget_chain_ends

    forget_chain_ends()
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.DEMO_MODE = False
