"""A starter fee schedule: what a ketamine and esketamine clinic usually bills, at example self-pay prices.

The demo clinic and the tests load it; a clinic sets its own prices and descriptions on /billing/fees/.
CPT descriptors are AMA-copyrighted, so the descriptions are the clinic's own words (docs/billing.md);
G2082/G2083 carry the 2026 Medicare rates (ANCHORS.md part 2).
"""

from ketacare.billing.models import ChargeTrigger, CodeSystem, PayerScope, UnitsRule

# code → (code system, description in the clinic's own words, self-pay price, units rule)
STARTER_FEE_ITEMS = {
    "KET-IV": (CodeSystem.CLINIC, "Ketamine infusion, self-pay (all-inclusive)", "495.00", UnitsRule.PER_SERVICE),
    "96365": (CodeSystem.CPT, "IV infusion, first hour", "350.00", UnitsRule.PER_SERVICE),
    "96366": (CodeSystem.CPT, "IV infusion, each additional hour", "150.00", UnitsRule.PER_ADDITIONAL_HOUR),
    "99214": (CodeSystem.CPT, "Office visit, established patient", "180.00", UnitsRule.PER_SERVICE),
    "J0013": (CodeSystem.HCPCS, "Esketamine, nasal spray, 1 mg", "12.00", UnitsRule.PER_MG),
    "G2082": (CodeSystem.HCPCS, "Esketamine session, up to 56 mg, with observation", "906.51", UnitsRule.PER_SERVICE),
    "G2083": (CodeSystem.HCPCS, "Esketamine session, over 56 mg, with observation", "1289.82", UnitsRule.PER_SERVICE),
    "90792": (CodeSystem.CPT, "Psychiatric evaluation with medical services", "400.00", UnitsRule.PER_SERVICE),
    "90834": (CodeSystem.CPT, "Integration therapy, 45 minutes", "160.00", UnitsRule.PER_SERVICE),
}

# trigger → [(payer scope, code), ...] in position order: what a signed record of each kind charges.
STARTER_RULES = {
    ChargeTrigger.SESSION_IV: [
        (PayerScope.SELF_PAY, "KET-IV"),
        (PayerScope.INSURED, "96365"),
        (PayerScope.INSURED, "96366"),
        (PayerScope.INSURED, "99214"),
    ],
    ChargeTrigger.SESSION_ESKETAMINE: [
        (PayerScope.NOT_MEDICARE, "J0013"),
        (PayerScope.NOT_MEDICARE, "99214"),
        # The domain keeps the one whose dose band holds the charted mg (billing/domain/charges.py).
        (PayerScope.MEDICARE, "G2082"),
        (PayerScope.MEDICARE, "G2083"),
    ],
    ChargeTrigger.CONSULTATION: [(PayerScope.ANY, "90792")],
    ChargeTrigger.THERAPY_NOTE: [(PayerScope.ANY, "90834")],
}
