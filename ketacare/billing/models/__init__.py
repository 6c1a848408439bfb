"""Billing's tables, one module per topic; import them from here."""

from ketacare.billing.models.accounts import AccountEntry, EntryKind, Invoice, PaymentMethod
from ketacare.billing.models.charges import Charge, ChargeStatus
from ketacare.billing.models.claims import (
    Claim,
    ClaimExport,
    ClaimFrequency,
    ClaimLine,
    ClaimStatus,
    ClaimStatusChange,
)
from ketacare.billing.models.fees import ChargeRule, ChargeTrigger, CodeSystem, FeeScheduleItem, PayerScope, UnitsRule
from ketacare.billing.models.insurance import (
    AcquisitionMode,
    AuthorizationStatus,
    BenefitsInvestigation,
    BenefitsResult,
    Coverage,
    CoveragePriority,
    Payer,
    PayerKind,
    PriorAuthorization,
    SessionAcquisition,
    SubscriberRelationship,
)
from ketacare.billing.models.packages import PackageCreditUse, PackageOffer, PackageSale, RefundPolicy
from ketacare.billing.models.setup import BillingSettings, ProviderBillingIdentity

__all__ = [
    "AccountEntry",
    "AcquisitionMode",
    "AuthorizationStatus",
    "BenefitsInvestigation",
    "BenefitsResult",
    "BillingSettings",
    "Charge",
    "ChargeRule",
    "ChargeStatus",
    "ChargeTrigger",
    "Claim",
    "ClaimExport",
    "ClaimFrequency",
    "ClaimLine",
    "ClaimStatus",
    "ClaimStatusChange",
    "CodeSystem",
    "Coverage",
    "CoveragePriority",
    "EntryKind",
    "FeeScheduleItem",
    "Invoice",
    "PackageCreditUse",
    "PackageOffer",
    "PackageSale",
    "Payer",
    "PayerKind",
    "PayerScope",
    "PaymentMethod",
    "PriorAuthorization",
    "ProviderBillingIdentity",
    "RefundPolicy",
    "SessionAcquisition",
    "SubscriberRelationship",
    "UnitsRule",
]
