"""Where apps on higher floors hear of this app's events, so it never imports them.

`consultation_note_signed` is sent with note=<the record> and actor=<the signer>, inside the signing action's
transaction, when a consultation note is signed (locked). Billing creates the charges for the care given on
it; a receiver that fails rolls the signing back with it, so a receiver must only refuse what is truly wrong.
"""

from django.dispatch import Signal

consultation_note_signed = Signal()
