"""schemathesis' costs at collection, which every pytest-xdist worker of each pass pays for every test.

Collecting the four fuzz modules cost 29.5 s of CPU a worker (10.9 s now):
- schemathesis builds an operation's coverage cases (its boundary values: empty, huge, wrong types,
  undeclared methods) when it makes the test, that is at collection, on every worker, for tests the
  worker does not run. `build_coverage_cases_when_run` (installed by the plugin for every schemathesis
  test) has them built when the test first reads them, on the worker that runs it: the same cases in the
  same order. Only the probe of a path's undeclared method, which schemathesis sends once a schema and
  process, goes with whichever of the path's operations runs first there (on two workers it may be sent
  twice, never not at all).
- each module loaded /api/v1/openapi.json itself (ninja builds it from every router: about 2 s of CPU);
  the cross-app fuzz modules (ketacare/tests/) narrow the one schema of `api_schema()` instead (an app's
  tests cannot import this package: they sit below it).
"""

import functools


@functools.cache
def api_schema():
    import schemathesis

    from ketacare.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)


# schemathesis' own `add_coverage`, which builds the cases at once (kept for the test that compares).
add_coverage_now = None


class _ExamplesOnFirstUse(list):
    """Hypothesis' explicit examples of one test (`test.hypothesis_explicit_examples`, which Hypothesis
    reverses and tests for truth when the test runs), completed by `produce()` the first time they are read."""

    def __init__(self, existing, produce):
        super().__init__(existing)
        self._produce = produce

    def _complete(self):
        if self._produce is not None:
            produce, self._produce = self._produce, None
            super().extend(produce())

    def __iter__(self):
        self._complete()
        return super().__iter__()

    def __reversed__(self):
        self._complete()
        return super().__reversed__()

    def __len__(self):
        self._complete()
        return super().__len__()

    def __getitem__(self, index):
        self._complete()
        return super().__getitem__(index)


@functools.cache  # once a process: a pytester run in the same process configures the plugin again
def build_coverage_cases_when_run() -> None:
    """For every schemathesis test of the run (the plugin calls it at configure, whatever loads the schema)."""
    from schemathesis.generation.hypothesis import builder

    global add_coverage_now
    add_coverage_now = builder.add_coverage  # AttributeError here: schemathesis moved it, look again

    def add_coverage_when_run(test, operation, *args, **kwargs):
        def produce():
            def collector():
                """What schemathesis attaches the coverage cases to, as examples."""

            add_coverage_now(collector, operation, *args, **kwargs)
            unserializable = builder.UnserializablePayloadMark.get(collector)
            if unserializable is not None:  # read by schemathesis' plugin after the test ran
                builder.UnserializablePayloadMark.set(test, unserializable)
            return getattr(collector, "hypothesis_explicit_examples", [])

        test.hypothesis_explicit_examples = _ExamplesOnFirstUse(
            getattr(test, "hypothesis_explicit_examples", []), produce
        )
        return test

    builder.add_coverage = add_coverage_when_run
