"""How apps above the outbox take part in delivery without the outbox importing them.

- `register_delivery_check(kind, check)`: before a message of that kind is sent, `check(reference)`
  returns "" to send it, or the reason it is no longer wanted (the appointment was cancelled): the
  message is then dropped, never sent.
- `message_sent`: sent (sender=OutgoingMessage, message=...) inside the transaction that marks a
  message sent, so an app can record the delivery on its own rows (a reminder's sent_at).
"""

from collections.abc import Callable

from django.dispatch import Signal

DeliveryCheck = Callable[[str], str]

message_sent = Signal()

_delivery_checks: dict[str, DeliveryCheck] = {}


def register_delivery_check(kind: str, check: DeliveryCheck) -> None:
    """Called from an AppConfig.ready(); one check per kind (registering again replaces it)."""
    _delivery_checks[kind] = check


def reason_not_to_send(kind: str, reference: str) -> str:
    check = _delivery_checks.get(kind)
    return check(reference) if check is not None else ""
