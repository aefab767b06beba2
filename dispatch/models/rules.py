"""Rules an administrator edits: per category, hazard escalations, SLA clocks."""

from datetime import date

from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Handling, Hazard, Priority, Skill, Utility
from gis.models import AreaClass


def case_type_validate(code: str) -> None:
    """A category column names a case type row (codes are data: no choices in the schema)."""
    # PostgreSQL refuses a NUL in any text it is asked about: such a code is no case type.
    if code and ("\x00" in code or not CategoryRule.objects.filter(category=code).exists()):
        raise ValidationError(
            _("%(code)s is not a case type: choose one of the case types in the admin"),
            params={"code": code},
            code="unknown_case_type",
        )


class CategoryRule(models.Model):
    """A case type: how the hotline treats one category of call. Rows, not code: an
    administrator adds one in the admin and the console, Open311 and triage offer it."""

    category = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                r"^[a-z][a-z0-9_]*$",
                _("lower-case letters, digits and _ only, starting with a letter"),
            )
        ],
        help_text=_("the code systems exchange (Open311 service_code); never change it once used"),
    )
    label_en = models.CharField(
        max_length=80, blank=True, help_text=_("the name in English"), verbose_name=_("label en")
    )
    label_zh = models.CharField(max_length=50, verbose_name=_("label zh"))
    utility = models.CharField(
        max_length=8, choices=Utility.choices, default=Utility.GAS, verbose_name=_("utility")
    )
    handling = models.CharField(
        max_length=16,
        choices=Handling.choices,
        default=Handling.FIELD_JOB,
        verbose_name=_("handling"),
    )
    base_priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, verbose_name=_("base priority")
    )
    hazards = ArrayField(
        models.CharField(max_length=32, choices=Hazard.choices),
        default=list,
        blank=True,
        help_text=_("the hazard questions the call taker asks for this case type"),
        verbose_name=_("hazards"),
    )
    skills = ArrayField(
        models.CharField(max_length=20, choices=Skill.choices),
        default=list,
        blank=True,
        help_text=_("a crew needs all of these"),
        verbose_name=_("skills"),
    )
    duplicate_radius_m = models.PositiveIntegerField(
        default=200, verbose_name=_("duplicate radius m")
    )
    duplicate_window_min = models.PositiveIntegerField(
        default=120, verbose_name=_("duplicate window min")
    )
    merges_with = ArrayField(
        models.CharField(max_length=32, validators=[case_type_validate]),
        default=list,
        blank=True,
        help_text=_("open incidents of these categories can take this call"),
        verbose_name=_("merges with"),
    )
    groups_by_supply = models.BooleanField(
        default=False,
        help_text=_("no gas / low pressure: group calls by their upstream main"),
        verbose_name=_("groups by supply"),
    )
    raise_after_reports = models.PositiveSmallIntegerField(
        default=0,
        help_text=_("raise priority one step at this many reports (0: never)"),
        verbose_name=_("raise after reports"),
    )
    auto_dispatch = models.BooleanField(
        default=False, help_text=_("P1 may go to the top crew"), verbose_name=_("auto dispatch")
    )
    advice_en = models.TextField(
        blank=True, help_text=_("read out to the caller"), verbose_name=_("advice en")
    )
    advice_zh = models.TextField(blank=True, verbose_name=_("advice zh"))
    keywords = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("Open311 keywords, comma separated"),
        verbose_name=_("keywords"),
    )
    message_set = models.CharField(
        max_length=32,
        blank=True,
        default="progress",
        help_text=_(
            "the callers' progress messages: the templates named after it (e.g."
            " progress.received, progress.dispatched, ...); blank: none"
        ),
        verbose_name=_("message set"),
    )

    class Meta:
        verbose_name = _("case type")
        verbose_name_plural = _("case types")
        ordering = ["base_priority", "category"]

    def __str__(self) -> str:
        # In the active language, as dispatch.categories names it (the admin's lists, choices).
        if (get_language() or "en").lower().startswith("zh"):
            return self.label_zh or self.label_en or self.category
        return self.label_en or self.label_zh or self.category

    @property
    def needs_incident(self) -> bool:
        """Field jobs open incidents; office cases open a desk case (desk app) instead, and
        the rest are answered on the call."""
        return self.handling == Handling.FIELD_JOB

    @property
    def opens_case(self) -> bool:
        return self.handling == Handling.OFFICE_CASE

    @property
    def sends_crews(self) -> bool:
        return self.handling == Handling.FIELD_JOB


class TriageRule(models.Model):
    """A hazard answered yes sets at least this priority (for one category, or all)."""

    category = models.CharField(
        max_length=32,
        blank=True,
        validators=[case_type_validate],
        help_text=_("blank: every category"),
        verbose_name=_("category"),
    )
    hazard = models.CharField(max_length=32, choices=Hazard.choices, verbose_name=_("hazard"))
    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices, verbose_name=_("priority")
    )

    class Meta:
        verbose_name = _("triage rule")
        verbose_name_plural = _("triage rules")
        ordering = ["category", "hazard"]
        constraints = [
            models.UniqueConstraint(fields=["category", "hazard"], name="triage_rule_unique")
        ]

    def __str__(self) -> str:
        category = self.category or _("any")
        return f"{category}: {self.hazard} -> P{self.priority}"


class Milestone(models.TextChoices):
    WORK_ORDER = "work_order", _("Work order issued")
    ON_SITE = "on_site", _("Crew on site")
    MADE_SAFE = "made_safe", _("Made safe")
    COMPLETED = "completed", _("Completed")
    REPLY = "reply", _("Reply to the customer")
    ANSWER = "answer", _("Second-tier answer")
    CALL_BACK = "call_back", _("Call-back after closing")


class Season(models.Model):
    """A stretch of every year when a utility's commitments differ: district heating's
    season (15 November to 15 March as shipped; Tianjin's 15 October to 15 April) when the
    hotline peaks and a cold radiator is urgent. An SLA policy may name one; the day an
    incident's first call came in decides which policies hold."""

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name_zh = models.CharField(max_length=50, verbose_name=_("name (Chinese)"))
    name_en = models.CharField(max_length=80, verbose_name=_("name (English)"))
    utility = models.CharField(max_length=8, choices=Utility.choices, verbose_name=_("utility"))
    start_month = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)], verbose_name=_("from month")
    )
    start_day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(31)], verbose_name=_("from day")
    )
    end_month = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(12)], verbose_name=_("to month")
    )
    end_day = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(31)],
        help_text=_("the last day of the season, included; it may end in the next year"),
        verbose_name=_("to day"),
    )

    class Meta:
        verbose_name = _("season")
        verbose_name_plural = _("seasons")
        ordering = ["utility", "start_month", "start_day"]

    def __str__(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en

    def holds(self, day: date) -> bool:
        """Whether `day` is in the season (one that ends before it starts runs over New Year)."""
        here = (day.month, day.day)
        start, end = (self.start_month, self.start_day), (self.end_month, self.end_day)
        if start <= end:
            return start <= here <= end
        return here >= start or here <= end


class SlaPolicy(models.Model):
    """One clock: a milestone due within so long of the first call (or of closing). A policy
    may hold only in an area class (urban, rural, remote) or a season; the most specific
    policy that holds wins (dispatch.services.sla)."""

    priority = models.PositiveSmallIntegerField(
        choices=Priority.choices,
        null=True,
        blank=True,
        help_text=_("blank: any priority"),
        verbose_name=_("priority"),
    )
    category = models.CharField(
        max_length=32,
        blank=True,
        validators=[case_type_validate],
        help_text=_("blank: any category"),
        verbose_name=_("category"),
    )
    milestone = models.CharField(
        max_length=16, choices=Milestone.choices, verbose_name=_("milestone")
    )
    area_class = models.CharField(
        max_length=8,
        choices=AreaClass.choices,
        blank=True,
        default="",
        help_text=_("blank: anywhere"),
        verbose_name=_("area class"),
    )
    season = models.ForeignKey(
        Season,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="policies",
        help_text=_("blank: all year"),
        verbose_name=_("season"),
    )
    minutes = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("minutes"))
    working_days = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text=_("instead of minutes"), verbose_name=_("working days")
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        ordering = ["priority", "category", "milestone"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(minutes__isnull=False) ^ models.Q(working_days__isnull=False),
                name="sla_minutes_or_working_days",
            ),
        ]

    def __str__(self) -> str:
        within = (
            _("%(minutes)s min") % {"minutes": self.minutes}
            if self.minutes
            else _("%(days)s working days") % {"days": self.working_days}
        )
        said = _("P%(priority)s %(category)s %(milestone)s within %(within)s") % {
            "priority": self.priority or "*",
            "category": self.category or "*",
            "milestone": self.milestone,
            "within": within,
        }
        where = [str(label) for label in (self.get_area_class_display(), self.season) if label]
        return f"{said} ({', '.join(where)})" if where else said


class CalendarDay(models.Model):
    """A day the company counts otherwise than the country's calendar (the `holidays` package:
    weekends, public holidays, make-up working days): a local holiday, a day the office is shut,
    or a working day added. Every working-day clock reads it (dispatch.working_days)."""

    day = models.DateField(unique=True, verbose_name=_("day"))
    working = models.BooleanField(
        help_text=_("ticked: a working day; unticked: a day off"), verbose_name=_("working day")
    )
    note = models.CharField(max_length=200, blank=True, verbose_name=_("note"))

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day:%Y-%m-%d}"
