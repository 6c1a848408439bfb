"""Printed documents (documents/printed.py) made through the actions as staff make them: a signed referral letter
and a draft one (reports), a final charge, its invoice and a payment's receipt (billing). Here because FHIR's
tests may not import reports or billing (one floor)."""

from dataclasses import dataclass

import pytest

from ketacare.billing.actions.accounts import do_issue_invoice, do_record_payment
from ketacare.billing.actions.charges import do_finalise_charge
from ketacare.billing.models import AccountEntry, Charge, Invoice
from ketacare.reports.letters.actions import do_create_referral_letter, do_sign_referral_letter
from ketacare.reports.models import ReferralLetter
from ketacare.testing.billing import make_draft_charge


@dataclass(frozen=True)
class Printed:
    letter: ReferralLetter
    draft_letter: ReferralLetter
    charge: Charge
    invoice: Invoice
    receipt: AccountEntry


def print_documents(patient, staff, *, service_date=None) -> Printed:
    """`staff` (one organisation's, by role) holds a prescriber, who writes and signs the letter, and billing,
    who finalises the charge, issues the invoice and takes 200.00 in cash against it."""
    prescriber, billing = staff["prescriber"], staff["billing"]
    letter = do_sign_referral_letter(
        prescriber, do_create_referral_letter(prescriber, patient.pk, recipient_name="Dr Rivera").pk
    )
    draft_letter = do_create_referral_letter(prescriber, patient.pk, recipient_name="Dr Draft")
    charge = do_finalise_charge(billing, make_draft_charge(patient, billing, service_date=service_date).pk)
    invoice = do_issue_invoice(billing, patient.pk)
    receipt = do_record_payment(billing, patient.pk, amount="200.00", method="cash", invoice_id=invoice.pk)
    return Printed(letter, draft_letter, charge, invoice, receipt)


@pytest.fixture(name="print_documents")
def print_documents_fixture():
    """print_documents(patient, staff, service_date=None) -> Printed: a signed letter and a draft, a final
    charge, its invoice and a cash payment's receipt, for `patient` by `staff` of their organisation."""
    return print_documents
