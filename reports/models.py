"""What an administrator sets for the reports: the thresholds the figures count against, and
each regulator's view as a preset. Every other number a report shows is computed from the
record (dispatch.Call, dispatch.Incident, desk.Case, alerts.CallBack) when it is asked for."""

from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from dispatch.models.rules import case_type_validate


class ReportSettings(models.Model):
    """One row (pk 1): the thresholds of the figures that are not an SLA clock. The reply and
    call-back deadlines are SLA policies (the admin's "SLA policies"), the figures read them."""

    work_order_minutes = models.PositiveIntegerField(
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("a repair call counts as issued on time when its work order is this soon"),
        verbose_name=_("work order within (minutes)"),
    )
    made_safe_hours = models.PositiveIntegerField(
        default=12,
        validators=[MinValueValidator(1)],
        verbose_name=_("made safe within (hours)"),
    )
    repeat_days = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text=_("a call about a premise called about this recently counts as a repeat"),
        verbose_name=_("repeat call window (days)"),
    )
    answer_seconds = models.PositiveIntegerField(
        default=20,
        validators=[MinValueValidator(1), MaxValueValidator(600)],
        help_text=_(
            "a phone call counts as answered in time this soon after it rang in "
            "(four rings of five seconds as shipped)"
        ),
        verbose_name=_("answered within (seconds)"),
    )

    class Meta:
        verbose_name = _("report settings")
        verbose_name_plural = _("report settings")

    def __str__(self) -> str:
        return str(_("report settings"))

    @classmethod
    def current(cls) -> "ReportSettings":
        return cls.objects.get_or_create(pk=1)[0]


class ReportPreset(models.Model):
    """One regulator's (or the group's) view of attendance: the share of the chosen incidents
    attended within so many minutes against a target, an average and a longest not to pass."""

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name_zh = models.CharField(max_length=100, verbose_name=_("name (Chinese)"))
    name_en = models.CharField(max_length=100, verbose_name=_("name (English)"))
    categories = ArrayField(
        models.CharField(max_length=32, validators=[case_type_validate]),
        default=list,
        blank=True,
        help_text=_("case types counted; empty: every field job"),
        verbose_name=_("case types"),
    )
    priority_max = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("count priorities up to this one (1: P1 only); empty: all"),
        verbose_name=_("up to priority"),
    )
    attend_minutes = models.PositiveIntegerField(
        validators=[MinValueValidator(1)], verbose_name=_("attended within (minutes)")
    )
    target_share = models.FloatField(
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_("0.97 for 97%; empty: no target"),
        verbose_name=_("target share"),
    )
    average_max_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("average at most (minutes)")
    )
    longest_max_minutes = models.PositiveIntegerField(
        null=True, blank=True, verbose_name=_("none longer than (minutes)")
    )
    active = models.BooleanField(default=True, verbose_name=_("shown"))
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))

    class Meta:
        verbose_name = _("regulator preset")
        verbose_name_plural = _("regulator presets")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_zh if (get_language() or "").startswith("zh") else self.name_en


class RollupDay(models.Model):
    """A closed day whose figures are stored (reports.rollup): built once every clock of its
    rows has run out, with the thresholds and presets its fingerprint names. A day whose
    fingerprint is not the current one is read from the record until it is rebuilt."""

    day = models.DateField(primary_key=True)  # local (settings.TIME_ZONE)
    fingerprint = models.CharField(max_length=64)
    built_at = models.DateTimeField()

    class Meta:
        verbose_name = _("stored report day")
        verbose_name_plural = _("stored report days")

    def __str__(self) -> str:
        return self.day.isoformat()


class RollupRow(models.Model):
    """One figure's parts for one day, unit, case type, priority and channel: what adds up
    across days (counts, the sum and the longest) and every value of a distribution, so the
    median and percentiles of a year are exact (reports.figures merges them)."""

    day = models.DateField()
    source = models.CharField(max_length=16)
    figure = models.CharField(max_length=48)
    unit_id = models.BigIntegerField()
    # NULL where the row has none (a desk case's priority), as the record's own breakdowns.
    category = models.CharField(max_length=32, null=True)  # noqa: DJ001
    priority = models.SmallIntegerField(null=True)
    channel = models.CharField(max_length=16, null=True)  # noqa: DJ001
    count = models.IntegerField()
    hits = models.IntegerField()
    over = models.IntegerField()
    valued = models.IntegerField()  # rows with a value (the mean's divisor)
    total = models.FloatField(null=True)
    longest = models.FloatField(null=True)
    # float8 values, big-endian, concatenated (PostgreSQL's float8send): distributions only.
    values = models.BinaryField(null=True)

    class Meta:
        indexes = [models.Index(fields=["source", "day"], name="rollup_source_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.figure} {self.unit_id}"


class DirtyDay(models.Model):
    """A UTC day on which an old row changed (written by triggers, reports 0005): the local
    days it touches are read from the record until reports.rollup rebuilds them."""

    day = models.DateField(primary_key=True)

    def __str__(self) -> str:
        return self.day.isoformat()
