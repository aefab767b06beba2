"""What an administrator sets for the desk: its departments and how each case type is routed."""

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dispatch.models.rules import case_type_validate


class Department(models.Model):
    """A desk that handles cases at one unit of the organisation: the customer-service desk of
    a company or a station, the discipline office (纪检) that takes 举报, the billing office.
    Its members, and the supervisors above its unit, are who may read a confidential case
    routed to it."""

    class Kind(models.TextChoices):
        SERVICE = "service", _("Customer-service desk")
        DISCIPLINE = "discipline", _("Discipline office")
        BILLING = "billing", _("Billing office")
        ENGINEERING = "engineering", _("Engineering and connections")

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name_zh = models.CharField(max_length=100, verbose_name=_("name (Chinese)"))
    name_en = models.CharField(max_length=100, blank=True, verbose_name=_("name (English)"))
    kind = models.CharField(max_length=16, choices=Kind.choices, verbose_name=_("kind"))
    unit = models.ForeignKey(
        "network.OrgUnit",
        on_delete=models.PROTECT,
        related_name="departments",
        verbose_name=_("organisation unit"),
    )
    members = models.ManyToManyField(
        "dispatch.User", blank=True, related_name="departments", verbose_name=_("members")
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["unit__tier", "unit__name", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "kind"], name="department_kind_once_per_unit")
        ]

    def __str__(self) -> str:
        if (get_language() or "en").lower().startswith("zh"):
            return self.name_zh or self.name_en
        return self.name_en or self.name_zh


class DeskRule(models.Model):
    """How the desk handles one office case type: where it goes, whether the caller's identity
    is protected, when it is urged, whether it is called back, and its checklist. The reply
    and second-tier answer deadlines are SLA policies (milestones reply and answer)."""

    class Tier(models.IntegerChoices):
        GROUP = 1, _("the group centre's desk")
        COMPANY = 2, _("the operating company's desk")
        STATION = 3, _("the station's desk")

    category = models.CharField(
        _("case type"), max_length=32, unique=True, validators=[case_type_validate]
    )
    tier = models.PositiveSmallIntegerField(
        choices=Tier.choices,
        default=Tier.STATION,
        help_text=_("the desk it goes to: of the caller's station, its company or the group"),
        verbose_name=_("routed to"),
    )
    department_kind = models.CharField(
        max_length=16,
        choices=Department.Kind.choices,
        blank=True,
        help_text=_("a department of that unit (e.g. the discipline office); blank: the desk"),
        verbose_name=_("department"),
    )
    confidential = models.BooleanField(
        default=False,
        help_text=_(
            "the caller's identity only for the handling desk and its supervisors; every read"
            " is logged"
        ),
        verbose_name=_("confidential"),
    )
    urge_before_hours = models.PositiveIntegerField(
        default=24,
        help_text=_("urge (督办) the handler this long before the deadline; 0: never"),
        verbose_name=_("urge before (hours)"),
    )
    call_back = models.BooleanField(
        default=True,
        help_text=_("call the customer back after the reply"),
        verbose_name=_("call back"),
    )
    checklist_zh = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text=_("steps that must be ticked before the case closes, in Chinese"),
        verbose_name=_("checklist (Chinese)"),
    )
    checklist_en = ArrayField(
        models.CharField(max_length=100),
        default=list,
        blank=True,
        help_text=_("the same steps in English, in the same order"),
        verbose_name=_("checklist (English)"),
    )

    class Meta:
        verbose_name = _("desk rule")
        verbose_name_plural = _("desk rules")
        ordering = ["category"]

    def __str__(self) -> str:
        return self.category

    def clean(self) -> None:
        if self.checklist_en and len(self.checklist_en) != len(self.checklist_zh):
            raise ValidationError(
                {"checklist_en": _("give every step in both languages, in the same order")}
            )

    def checklist(self, language: str | None = None) -> list[str]:
        """The steps in `language` (default: the active one), Chinese where English is missing."""
        zh = (language or get_language() or "en").lower().startswith("zh")
        if zh or len(self.checklist_en) != len(self.checklist_zh):
            return list(self.checklist_zh)
        return list(self.checklist_en)
