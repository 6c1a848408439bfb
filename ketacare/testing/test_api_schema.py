"""The fuzz modules' shared schema builds schemathesis' coverage cases when a test runs, not at collection."""

from unittest import mock

from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.hypothesis import builder
from schemathesis.pytest._test_builder import build_operation_test

from ketacare.testing import api_schema as shared


def _build_test(schema):
    [operation] = [result.ok() for result in schema.get_all_operations()]

    def test_function(case):
        """What a fuzz test's body would be."""

    return build_operation_test(
        config=schema.config, operation=operation, test_func=test_function, given_kwargs={}, feedback=FeedbackSources()
    )


def _cases(test) -> list[str]:
    return [
        repr((case.method, case.path, case.path_parameters, case.query, case.headers, case.body))
        for case in (example.kwargs["case"] for example in test.hypothesis_explicit_examples)
    ]


def test_coverage_cases_wait_for_the_run_and_are_the_ones_collection_would_build(django_db_blocker):
    with django_db_blocker.unblock():  # the schema's request ends with Django closing old connections
        schema = shared.api_schema()

    def products_schema():
        """A schema of its own each time: schemathesis probes a path's undeclared methods once a schema."""
        return schema.include(path_regex="^/api/v1/ledger/products$", method="GET")

    when_run = _build_test(products_schema())
    assert when_run.hypothesis_explicit_examples._produce is not None, "built at collection"
    with mock.patch.object(builder, "add_coverage", shared.add_coverage_now):
        at_collection = _build_test(products_schema())
    assert not isinstance(at_collection.hypothesis_explicit_examples, shared._ExamplesOnFirstUse)
    cases = _cases(at_collection)
    assert len(cases) > 5  # boundary cases of the query parameters, not only the plain request
    assert _cases(when_run) == cases
