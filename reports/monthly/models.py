"""A monthly analysis report as it was built: the PDF itself, kept in the database (it is a
few hundred kilobytes a month per unit and language, and is served only behind the reports'
access rules, so it never sits in a public media folder)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Language


class MonthlyReport(models.Model):
    month = models.DateField(help_text=_("the month's first day"), verbose_name=_("month"))
    unit = models.ForeignKey(
        "network.OrgUnit",
        on_delete=models.PROTECT,
        related_name="monthly_reports",
        help_text=_("the group, company or station it covers, with what lies beneath it"),
        verbose_name=_("unit"),
    )
    language = models.CharField(max_length=2, choices=Language.choices, verbose_name=_("language"))
    pdf = models.BinaryField(verbose_name=_("PDF"))
    pages = models.PositiveSmallIntegerField(default=0, verbose_name=_("pages"))
    created_at = models.DateTimeField(verbose_name=_("created at"))

    class Meta:
        verbose_name = _("monthly report")
        verbose_name_plural = _("monthly reports")
        ordering = ["-month", "unit__tier", "unit__name", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["month", "unit", "language"], name="monthly_report_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.month:%Y-%m} ({self.language})"

    @property
    def file_name(self) -> str:
        return f"monthly-{self.unit.code}-{self.month:%Y-%m}-{self.language}.pdf"
