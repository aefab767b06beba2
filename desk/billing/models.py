"""What the company's customer information system (CIS) says of each account: its balance,
arrears, last payment and supply status, and its monthly usage. Imported, never typed in: the
CIS is the record, these rows are its latest copy (desk/billing/importing.py)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupplyStatus(models.TextChoices):
    NORMAL = "normal", _("Supplied")
    SUSPENDED_FOR_ARREARS = "suspended_for_arrears", _("Suspended for arrears")
    DISCONNECTED = "disconnected", _("Disconnected")
    CLOSED = "closed", _("Account closed")


class AccountBalance(models.Model):
    """One account's billing position as of the CIS export it came from."""

    customer = models.OneToOneField(
        "dispatch.Customer",
        on_delete=models.CASCADE,
        related_name="balance",
        verbose_name=_("customer"),
    )
    # Positive: money on the account (prepaid or overpaid); negative: owed.
    balance = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("balance"))
    arrears = models.DecimalField(
        max_digits=12, decimal_places=2, default=0, verbose_name=_("arrears")
    )
    arrears_since = models.DateField(null=True, blank=True, verbose_name=_("in arrears since"))
    last_payment_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last payment"))
    last_payment_amount = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        verbose_name=_("last payment amount"),
    )
    supply_status = models.CharField(
        max_length=24,
        choices=SupplyStatus.choices,
        default=SupplyStatus.NORMAL,
        verbose_name=_("supply status"),
    )
    as_of = models.DateTimeField(
        help_text=_("when the company's system drew these figures"), verbose_name=_("as of")
    )
    imported_at = models.DateTimeField(verbose_name=_("imported at"))
    # The desk's outbound work: the last arrears reminder for this account (the timeline has
    # each one, event kind arrears.reminded).
    reminded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("reminded at"))

    class Meta:
        verbose_name = _("account balance")
        verbose_name_plural = _("account balances")
        indexes = [
            # The arrears work list: accounts owing, oldest debt first.
            models.Index(
                fields=["arrears_since"],
                condition=models.Q(arrears__gt=0),
                name="balance_in_arrears",
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.balance}"


class MonthlyUsage(models.Model):
    """Gas used and billed in one calendar month (`month` is its first day)."""

    customer = models.ForeignKey(
        "dispatch.Customer",
        on_delete=models.CASCADE,
        related_name="usage",
        verbose_name=_("customer"),
    )
    month = models.DateField(verbose_name=_("month"))
    volume_m3 = models.DecimalField(max_digits=12, decimal_places=3, verbose_name=_("volume (m³)"))
    amount = models.DecimalField(max_digits=12, decimal_places=2, verbose_name=_("amount"))

    class Meta:
        verbose_name = _("monthly usage")
        verbose_name_plural = _("monthly usage")
        ordering = ["customer", "-month"]
        constraints = [
            models.UniqueConstraint(fields=["customer", "month"], name="usage_one_per_month"),
            models.CheckConstraint(condition=models.Q(month__day=1), name="usage_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.month:%Y-%m}"


class BillingImportRun(models.Model):
    """One billing file imported (or tried): its counts, and its report of rejected rows and
    unknown accounts, for the administrator to look up."""

    class Kind(models.TextChoices):
        BALANCES = "balances", _("Balances")
        USAGE = "usage", _("Monthly usage")

    class Status(models.TextChoices):
        DONE = "done", _("Done")
        REFUSED = "refused", _("Refused")  # the file's columns were wrong: nothing changed
        FAILED = "failed", _("Failed")  # an unexpected error: rolled back

    kind = models.CharField(max_length=10, choices=Kind.choices, verbose_name=_("kind"))
    file_name = models.CharField(max_length=255, verbose_name=_("file name"))
    sha256 = models.CharField(max_length=64, verbose_name=_("SHA-256"))
    source = models.CharField(
        max_length=16,
        help_text=_("command, or the import directory"),
        verbose_name=_("source"),
    )
    dry_run = models.BooleanField(default=False, verbose_name=_("dry run"))
    status = models.CharField(max_length=10, choices=Status.choices, verbose_name=_("status"))
    rows = models.PositiveIntegerField(default=0, verbose_name=_("rows"))
    created = models.PositiveIntegerField(default=0, verbose_name=_("created"))
    updated = models.PositiveIntegerField(default=0, verbose_name=_("updated"))
    unchanged = models.PositiveIntegerField(default=0, verbose_name=_("unchanged"))
    rejected = models.PositiveIntegerField(default=0, verbose_name=_("rejected"))
    unknown = models.PositiveIntegerField(default=0, verbose_name=_("unknown accounts"))
    message = models.TextField(blank=True, verbose_name=_("message"))
    report = models.JSONField(default=dict, blank=True, verbose_name=_("report"))
    started_at = models.DateTimeField(verbose_name=_("started at"))
    finished_at = models.DateTimeField(verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("billing import")
        verbose_name_plural = _("billing imports")
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["sha256"], name="billing_import_sha")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.file_name} ({self.get_status_display()})"
