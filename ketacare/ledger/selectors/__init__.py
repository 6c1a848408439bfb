"""Access-checked reads of the controlled-substance ledger.

Rules, one per line so each is tested:
- reading the ledger needs LEDGER_VIEW (nurses, prescribers, clinic admins); reports LEDGER_REPORT;
- staff see only their own organisation's products, stock, entries and reports (404 otherwise);
- reads of an entry list or a vial's history are audited, exports too (reports.py).

One module per topic, the same topics as actions/, views/ and api/: stock (locations, stock items,
balances, entries, counts), administration (what a dose can be drawn from), products (products,
DEA registrations, settings), theft_loss, reports (DEA reports, the chain check). The names below
are the app's read interface.
"""

from ketacare.ledger.selectors.administration import available_vials, patient_by_id
from ketacare.ledger.selectors.products import ledger_settings, products, registration_of, registrations
from ketacare.ledger.selectors.reports import build_report, verify_ledger, verify_organisation_chain
from ketacare.ledger.selectors.stock import (
    ENTRY_PAGE,
    ProductBalance,
    access_count,
    access_location,
    access_vial,
    access_vial_history,
    entry_list,
    ledger_locations,
    location_today,
    open_discrepancies,
    product_balances,
    resolved_count_ids,
    vials,
)
from ketacare.ledger.selectors.theft_loss import (
    ReportDue,
    access_theft_loss_detail,
    access_theft_loss_report,
    theft_loss_dashboard,
)

__all__ = [
    "ENTRY_PAGE",
    "ProductBalance",
    "ReportDue",
    "access_count",
    "access_location",
    "access_theft_loss_detail",
    "access_theft_loss_report",
    "access_vial",
    "access_vial_history",
    "available_vials",
    "build_report",
    "entry_list",
    "ledger_locations",
    "ledger_settings",
    "location_today",
    "open_discrepancies",
    "patient_by_id",
    "product_balances",
    "products",
    "registration_of",
    "registrations",
    "resolved_count_ids",
    "theft_loss_dashboard",
    "verify_ledger",
    "verify_organisation_chain",
    "vials",
]
