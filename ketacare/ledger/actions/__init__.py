"""Every write to the controlled-substance ledger: permission, validation, one transaction, audited.

One module per topic, the same topics as selectors/, views/ and api/: administration (doses drawn
for a session, waste with a witness: the contract the treatments app uses, docs/ledger.md),
stock (receipts, transfers, counts and their resolution, disposal), products (settings, DEA
registrations, products), theft_loss; common.py is the booking every entry goes through (lock
order, chain, audit). The names below are the app's write interface.
"""

from ketacare.ledger.actions.administration import (
    WITNESS_LOCKOUT,
    WITNESS_MAX_FAILURES,
    do_record_administration,
    do_record_waste,
)
from ketacare.ledger.actions.products import do_create_product, do_save_registration, do_update_ledger_settings
from ketacare.ledger.actions.stock import (
    DISPOSAL_KINDS,
    do_record_count,
    do_record_disposal,
    do_record_receipt,
    do_record_transfer,
    do_resolve_discrepancy,
)
from ketacare.ledger.actions.theft_loss import do_report_theft_loss, do_update_theft_loss_report

# Part of the contract for the sessions app (docs/ledger.md): the vials a dose can be drawn from.
from ketacare.ledger.selectors.administration import available_vials

__all__ = [
    "DISPOSAL_KINDS",
    "WITNESS_LOCKOUT",
    "WITNESS_MAX_FAILURES",
    "available_vials",
    "do_create_product",
    "do_record_administration",
    "do_record_count",
    "do_record_disposal",
    "do_record_receipt",
    "do_record_transfer",
    "do_record_waste",
    "do_report_theft_loss",
    "do_resolve_discrepancy",
    "do_save_registration",
    "do_update_ledger_settings",
    "do_update_theft_loss_report",
]
