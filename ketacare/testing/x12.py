"""X12 files checked against the HIPAA implementation guides with pyx12 (a test dependency).

`x12_problems(text)` runs pyx12's validator over an interchange and returns what it reports: the
messages it logs and, when the file is refused without one, the rejection of its 999
acknowledgment. An empty list means pyx12 accepted the file (999 `IK5*A`).
"""

import io
import logging

import pytest


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def x12_problems(text: str) -> list[str]:
    import pyx12.params
    import pyx12.x12n_document

    logger = logging.getLogger("pyx12")
    handler = _Collect()
    logger.addHandler(handler)
    acknowledgment = io.StringIO()
    try:
        valid = pyx12.x12n_document.x12n_document(pyx12.params.params(), io.StringIO(text), acknowledgment, None)
    finally:
        logger.removeHandler(handler)
    accepted = "IK5*A~" in acknowledgment.getvalue()
    if valid and accepted and not handler.messages:
        return []
    return handler.messages or [f"pyx12 refused the file: {acknowledgment.getvalue()!r}"]


@pytest.fixture(name="x12_problems")
def x12_problems_fixture():
    """x12_problems(text) -> pyx12's complaints about an X12 interchange ([] when it is valid)."""
    return x12_problems
