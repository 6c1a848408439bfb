"""Where apps on higher floors hear of this app's events, so it never imports them.

`session_signed` is sent with session=<the record> and actor=<the signer>, inside the signing action's
transaction, when a treatment session's record is signed by both nurse and prescriber (locked). Billing
creates the charges for the care given on it; a receiver that fails rolls the signing back with it, so a
receiver must only refuse what is truly wrong.
"""

from django.dispatch import Signal

session_signed = Signal()
