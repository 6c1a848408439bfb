"""What every `ketacare` command does with bad input: one message naming the argument, exit status 2, nothing
changed (the README's promise for the command line). Imports no model, so light commands stay light."""

from typing import NoReturn

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

BAD_INPUT_EXIT_STATUS = 2


def fail(message: str) -> NoReturn:
    raise CommandError(message, returncode=BAD_INPUT_EXIT_STATUS)


def validation_message(exc: ValidationError) -> str:
    """A ValidationError as one line, each message after the field it names ("dose_mg: must be positive")."""
    fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
    return "; ".join(
        f"{'' if field == '__all__' else field + ': '}{' '.join(messages)}" for field, messages in fields.items()
    )
