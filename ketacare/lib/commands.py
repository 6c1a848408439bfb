"""What every `ketacare` command does with bad input: one message naming the argument, exit status 2, nothing
changed (the README's promise for the command line); and the loop of a worker run with `--every`. Imports no
model, so light commands stay light."""

import logging
import os
import time
from collections.abc import Callable
from typing import NoReturn, TypeVar

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.db import close_old_connections

BAD_INPUT_EXIT_STATUS = 2

logger = logging.getLogger(__name__)
PassResult = TypeVar("PassResult")


def fail(message: str) -> NoReturn:
    raise CommandError(message, returncode=BAD_INPUT_EXIT_STATUS)


def validation_message(exc: ValidationError) -> str:
    """A ValidationError as one line, each message after the field it names ("dose_mg: must be positive")."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return "; ".join(
        f"{'' if field == '__all__' else field + ': '}{' '.join(messages)}" for field, messages in fields.items()
    )


def repeat_every(seconds: int, run_pass: Callable[[], PassResult], report: Callable[[PassResult], None]) -> None:
    """A worker's loop (`--every SECONDS`): run a pass, hand its result to `report`, pause, again, until Ctrl-C or
    until the process that started this one has gone (`ketacare serve` starts the demo's workers as its children).
    A failed pass (the database restarting) is logged and the next one runs."""
    parent = os.getppid()
    try:
        while True:
            try:
                result = run_pass()
            except Exception:
                logger.exception("%s failed", getattr(run_pass, "__name__", "pass"))
            else:
                report(result)
            close_old_connections()
            time.sleep(max(seconds, 1))
            if os.getppid() != parent:
                return
    except KeyboardInterrupt:
        return
