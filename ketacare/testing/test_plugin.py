"""The plugin's own rules for running the suite (scripts/test.sh)."""

from xdist.scheduler.loadgroup import LoadGroupScheduling

from ketacare.testing.plugin import give_node_ids_for_loadgroup

pytest_plugins = ["pytester"]

TESTS = """
import pytest
import schemathesis

schema = schemathesis.openapi.from_dict({
    "openapi": "3.0.2",
    "info": {"title": "two operations", "version": "1"},
    "paths": {
        "/a": {"get": {"responses": {"200": {"description": "ok"}}}},
        "/b": {"get": {"responses": {"200": {"description": "ok"}}}},
    },
})


@pytest.mark.xdist_group("demo")
def test_seeded_one():
    pass


@pytest.mark.xdist_group(name="demo")
def test_seeded_two():
    pass


def test_alone():
    pass


@schema.parametrize()
def test_api(case):
    pass
"""


def test_loadgroup_puts_a_group_on_one_worker_and_runs_every_api_operation(pytester):
    """The scheduler of `--dist loadgroup` takes a group as one unit of work, every other test as its own,
    and keys them by node id: the demo's tests must share a unit, each schemathesis operation have its own."""
    items = pytester.getitems(TESTS)

    give_node_ids_for_loadgroup(items)

    node_ids = [item.nodeid for item in items]
    assert len(set(node_ids)) == len(node_ids) == 5
    assert [node_id.rpartition("::")[2] for node_id in node_ids] == [
        "test_seeded_one@demo",
        "test_seeded_two@demo",
        "test_alone",
        "test_api[GET /a]",
        "test_api[GET /b]",
    ]
    units = [LoadGroupScheduling._split_scope(None, node_id) for node_id in node_ids]  # self is unused
    assert units[:2] == ["demo", "demo"] and len(set(units[2:])) == 3
