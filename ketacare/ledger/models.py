"""The controlled-substance ledger: products, stock items (vials, device packs) and an
append-only, hash-chained record of every quantity received, given, wasted, moved or lost.

CLINICAL.md §6: ketamine and esketamine are Schedule III; records are kept per registered
location, at least 2 years, with the fields listed there (registrant DEA#, NDC, lot, expiry,
quantity in mg and mL, patient, who administered, witness, running balance).
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from ketacare.audit.domain.chain import ChainEntry
from ketacare.audit.models import AppendOnlyError
from ketacare.ledger.domain import deadlines
from ketacare.ledger.domain.quantities import (
    UNIT_DEVICE,
    UNIT_ML,
    device_count_for,
    volume_ml_for,
)

MG = {"max_digits": 12, "decimal_places": 3}


class LedgerSettings(models.Model):
    """Per-organisation ledger rules that clinics or states set differently."""

    organisation = models.OneToOneField(
        "clinics.Organisation", on_delete=models.PROTECT, related_name="ledger_settings"
    )
    # CLINICAL.md §6 / 21 CFR 1304.04(a): at least 2 years; some states require longer.
    retention_years = models.PositiveSmallIntegerField(
        default=deadlines.RETENTION_YEARS_DEFAULT, validators=[MinValueValidator(2), MaxValueValidator(50)]
    )
    # CLINICAL.md §6: a federal two-person witness rule for wastage is UNVERIFIED — default on.
    waste_witness_required = models.BooleanField(default=True)
    # CLINICAL.md §6: written notice within 1 business day; Form 106 within 45 days.
    theft_notice_business_days = models.PositiveSmallIntegerField(
        default=deadlines.WRITTEN_NOTICE_BUSINESS_DAYS, validators=[MinValueValidator(1), MaxValueValidator(30)]
    )
    form_106_days = models.PositiveSmallIntegerField(
        default=deadlines.FORM_106_DAYS, validators=[MinValueValidator(1), MaxValueValidator(365)]
    )

    class Meta:
        verbose_name_plural = "ledger settings"

    @classmethod
    def for_organisation(cls, organisation_id: int) -> "LedgerSettings":
        found = cls.objects.filter(organisation_id=organisation_id).first()
        return found or cls(organisation_id=organisation_id)


class Registration(models.Model):
    """A location's DEA registration: the registrant printed on every report (records are kept per
    registered location, 21 CFR 1304.21)."""

    location = models.OneToOneField("clinics.Location", on_delete=models.PROTECT, related_name="dea_registration")
    registrant_name = models.CharField(max_length=200)
    dea_number = models.CharField(max_length=9, help_text="2 letters and 7 digits, e.g. AB1234563")


class Drug(models.TextChoices):
    KETAMINE = "ketamine", "Ketamine"
    ESKETAMINE = "esketamine", "Esketamine"


class MeasureUnit(models.TextChoices):
    ML = UNIT_ML, "mL (vial)"
    DEVICE = UNIT_DEVICE, "device (nasal spray)"


class Product(models.Model):
    """A controlled-substance product a clinic stocks (one NDC).

    Measured in mL (a ketamine vial: strength in mg per mL) or in whole devices (Spravato: 28 mg
    per device); `units_per_container` is the mL in one vial or the devices in one kit.
    """

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    drug = models.CharField(max_length=12, choices=Drug.choices)
    name = models.CharField(max_length=200)
    ndc = models.CharField("NDC", max_length=13)
    unit = models.CharField(max_length=8, choices=MeasureUnit.choices)
    strength_mg_per_unit = models.DecimalField(
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="mg per mL for vials; mg per device for nasal spray devices",
    )
    units_per_container = models.DecimalField(
        max_digits=9,
        decimal_places=3,
        validators=[MinValueValidator(Decimal("0.001"))],
        help_text="mL per vial, or devices per kit",
    )
    # CLINICAL.md §6: ketamine and esketamine are Schedule III (21 CFR 1308.13).
    schedule = models.CharField(max_length=4, default="III", editable=False)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["organisation", "name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "ndc"], name="ledger_product_unique_ndc")]

    def __str__(self) -> str:
        return f"{self.name} ({self.strength_label})"

    @property
    def strength_label(self) -> str:
        per = "mL" if self.unit == UNIT_ML else "device"
        return f"{self.strength_mg_per_unit.normalize():f} mg/{per}"

    @property
    def container_mg(self) -> Decimal:
        return self.strength_mg_per_unit * self.units_per_container


class Vial(models.Model):
    """One stock item at one location: a vial (mL products) or a kit of devices, of one lot.

    `balance_mg` is the running balance, kept equal to the sum of the item's ledger entries by
    the actions, which lock this row before booking (actions.py)."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="vials")
    identifier = models.CharField(max_length=60, help_text="What is written on the label")
    lot = models.CharField(max_length=40)
    expiry_date = models.DateField()
    initial_quantity_mg = models.DecimalField(**MG)
    balance_mg = models.DecimalField(**MG, default=Decimal("0"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["expiry_date", "identifier"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "identifier"], name="ledger_vial_unique_identifier"),
            models.CheckConstraint(condition=models.Q(balance_mg__gte=0), name="ledger_vial_balance_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.identifier} — {self.product.name}, lot {self.lot}"

    def volume_ml_for(self, dose_mg: Decimal) -> Decimal | None:
        """mL holding `dose_mg` for a vial; None for a device product (counted in devices)."""
        if self.product.unit != UNIT_ML:
            return None
        return volume_ml_for(dose_mg, self.product.strength_mg_per_unit)

    def devices_for(self, dose_mg: Decimal) -> int | None:
        """Whole devices holding `dose_mg` for a device product; None for a vial."""
        if self.product.unit != UNIT_DEVICE:
            return None
        return device_count_for(dose_mg, self.product.strength_mg_per_unit)

    @property
    def balance_ml(self) -> Decimal | None:
        return self.volume_ml_for(self.balance_mg)

    @property
    def balance_devices(self) -> int | None:
        """Whole devices left (devices are used whole, so the balance is a multiple of one)."""
        if self.product.unit != UNIT_DEVICE:
            return None
        return int(self.balance_mg // self.product.strength_mg_per_unit)


class EntryKind(models.TextChoices):
    RECEIPT = "receipt", "Receipt"
    ADMINISTRATION = "administration", "Administration"
    WASTE = "waste", "Waste"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    TRANSFER_IN = "transfer_in", "Transfer in"
    COUNT = "count", "Physical count"
    ADJUSTMENT = "adjustment", "Count discrepancy resolved"
    EXPIRED = "expired", "Expired"
    RETURNED = "returned", "Returned to reverse distributor"
    DESTROYED = "destroyed", "Destroyed (DEA Form 41)"
    LOSS = "loss", "Loss"
    THEFT = "theft", "Theft"


DEBIT_KINDS = frozenset(
    {
        EntryKind.ADMINISTRATION,
        EntryKind.WASTE,
        EntryKind.TRANSFER_OUT,
        EntryKind.EXPIRED,
        EntryKind.RETURNED,
        EntryKind.DESTROYED,
        EntryKind.LOSS,
        EntryKind.THEFT,
    }
)


class LedgerEntryQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("The ledger is append-only")

    def delete(self):
        raise AppendOnlyError("The ledger is append-only")


class LedgerEntry(models.Model):
    """One booking against one stock item. Append-only and hash-chained per organisation.

    `quantity_mg` is signed (a debit is negative); `balance_after_mg` is the item's balance after
    this entry, so the item's history reads as a running balance. Like the audit trail, the model,
    its QuerySet and database triggers (guard.py) refuse changes; `ketacare ledger verify` walks
    the chain. Counterparty fields hold the supplier for a receipt and the reverse distributor
    for returned/destroyed stock.
    """

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    sequence = models.BigIntegerField()
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    vial = models.ForeignKey(Vial, on_delete=models.PROTECT, related_name="entries")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    occurred_at = models.DateTimeField(help_text="When it actually happened (21 CFR 1304.21)")
    quantity_mg = models.DecimalField(**MG)
    volume_ml = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    device_count = models.IntegerField(null=True, blank=True)
    balance_after_mg = models.DecimalField(**MG)
    patient = models.ForeignKey("patients.Patient", on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    # The treatments app links its sessions here by id (no foreign key across the app boundary yet).
    treatment_session_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    second_witness = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    counterparty_name = models.CharField(max_length=200, blank=True)
    counterparty_address = models.TextField(blank=True)
    counterparty_dea_number = models.CharField(max_length=9, blank=True)
    document_number = models.CharField(max_length=60, blank=True, help_text="Invoice, DEA Form 41 or 222 number")
    counted_mg = models.DecimalField(**MG, null=True, blank=True)
    discrepancy_mg = models.DecimalField(max_digits=12, decimal_places=3, null=True, blank=True)
    related_entry = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The transfer out a transfer in pairs with; the count an adjustment resolves",
    )
    report = models.ForeignKey(
        "TheftLossReport", on_delete=models.PROTECT, null=True, blank=True, related_name="entries"
    )
    reason = models.TextField(blank=True)
    created_at = models.DateTimeField()
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64)
    # HMAC-SHA256 of entry_hash under the key `key_id` (settings.CHAIN_KEYRING), which the database does
    # not hold: a rewritten entry with recomputed hashes does not verify (docs/security.md).
    key_id = models.CharField(max_length=32)
    signature = models.CharField(max_length=64)

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        ordering = ["organisation", "sequence"]
        verbose_name_plural = "ledger entries"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "sequence"], name="ledger_entry_unique_sequence"),
            models.CheckConstraint(
                condition=models.Q(balance_after_mg__gte=0), name="ledger_entry_balance_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["vial", "sequence"], name="ledger_entry_vial_seq")]

    def __str__(self) -> str:
        return f"#{self.sequence} {self.kind} {self.quantity_mg} mg"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError("Ledger entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Ledger entries cannot be deleted")

    def hashed_content(self) -> dict:
        """The fields the hash covers, in a form that survives a database round trip."""

        def mg(value):
            return None if value is None else f"{Decimal(value):.3f}"

        return {
            "organisation_id": self.organisation_id,
            "sequence": self.sequence,
            "location_id": self.location_id,
            "vial_id": self.vial_id,
            "kind": self.kind,
            "occurred_at": self.occurred_at.isoformat(timespec="microseconds"),
            "created_at": self.created_at.isoformat(timespec="microseconds"),
            "quantity_mg": mg(self.quantity_mg),
            "volume_ml": mg(self.volume_ml),
            "device_count": self.device_count,
            "balance_after_mg": mg(self.balance_after_mg),
            "patient_id": self.patient_id,
            "treatment_session_id": self.treatment_session_id,
            "created_by_id": self.created_by_id,
            "checked_by_id": self.checked_by_id,
            "witness_id": self.witness_id,
            "second_witness_id": self.second_witness_id,
            "counterparty_name": self.counterparty_name,
            "counterparty_address": self.counterparty_address,
            "counterparty_dea_number": self.counterparty_dea_number,
            "document_number": self.document_number,
            "counted_mg": mg(self.counted_mg),
            "discrepancy_mg": mg(self.discrepancy_mg),
            "related_entry_id": self.related_entry_id,
            "report_id": self.report_id,
            "reason": self.reason,
        }

    def as_chain_entry(self) -> ChainEntry:
        return ChainEntry(
            self.sequence, self.hashed_content(), self.previous_hash, self.entry_hash, self.key_id, self.signature
        )

    @property
    def is_open_discrepancy(self) -> bool:
        return self.kind == EntryKind.COUNT and bool(self.discrepancy_mg)


class TheftLossKind(models.TextChoices):
    THEFT = "theft", "Theft"
    LOSS = "loss", "Significant loss"


class TheftLossReport(models.Model):
    """A theft or significant loss, with its two deadlines (CLINICAL.md §6): written notice to the
    DEA Field Division within 1 business day of discovery, DEA Form 106 within 45 days.

    The quantities lost are ledger entries (kind loss/theft) pointing at this report."""

    organisation = models.ForeignKey("clinics.Organisation", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("clinics.Location", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=8, choices=TheftLossKind.choices)
    discovered_on = models.DateField()
    description = models.TextField()
    written_notice_due = models.DateField()
    form_106_due = models.DateField()
    written_notice_sent_on = models.DateField(null=True, blank=True)
    form_106_filed_on = models.DateField(null=True, blank=True)
    form_106_reference = models.CharField(max_length=60, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-discovered_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} discovered {self.discovered_on}"


class WitnessFailureCount(models.Model):
    """Wrong witness passwords for one user, counted so that concurrent attempts cannot overrun the
    limit: an attempt is claimed by a conditional UPDATE before its password is checked
    (actions/administration.py), and given back when the password was right."""

    witness = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    failures = models.PositiveSmallIntegerField(default=0)
    # The count starts again once this is older than the lockout.
    last_failed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.failures} wrong witness passwords"
