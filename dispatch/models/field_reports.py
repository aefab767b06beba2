from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


class WorkOrderFinding(models.Model):
    """One findings report from a crew's tablet. Several may come, in any order (an offline
    queue); the work order's `findings` is all of them merged by device time."""

    class LeakGrade(models.IntegerChoices):
        GRADE_1 = 1, _("Grade 1: hazardous, repair at once")
        GRADE_2 = 2, _("Grade 2: non-hazardous now, repair scheduled")
        GRADE_3 = 3, _("Grade 3: non-hazardous, monitor")

    work_order = models.ForeignKey(
        "dispatch.WorkOrder",
        on_delete=models.PROTECT,
        related_name="finding_reports",
        verbose_name=_("work order"),
    )
    client_event_id = models.CharField(max_length=64, verbose_name=_("client event id"))
    device_time = models.DateTimeField(verbose_name=_("device time"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))
    recorded_by = models.ForeignKey(
        "dispatch.User",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    leak_grade = models.PositiveSmallIntegerField(
        choices=LeakGrade.choices, null=True, verbose_name=_("leak grade")
    )
    cause = models.CharField(max_length=32, blank=True, verbose_name=_("cause"))
    actions_taken = models.JSONField(default=list, verbose_name=_("actions taken"))
    valves_operated = models.JSONField(
        default=list,
        help_text=_("[{asset_id, action, operable}]"),
        verbose_name=_("valves operated"),
    )
    materials = models.JSONField(
        default=list, help_text=_("[{item, quantity, unit}]"), verbose_name=_("materials")
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = _("work order finding")
        verbose_name_plural = _("work order findings")
        ordering = ["device_time", "client_event_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "client_event_id"], name="finding_client_id_once"
            )
        ]


class WorkOrderPhoto(models.Model):
    work_order = models.ForeignKey(
        "dispatch.WorkOrder",
        on_delete=models.PROTECT,
        related_name="photos",
        verbose_name=_("work order"),
    )
    client_event_id = models.CharField(max_length=64, verbose_name=_("client event id"))
    device_time = models.DateTimeField(verbose_name=_("device time"))
    recorded_at = models.DateTimeField(verbose_name=_("recorded at"))
    recorded_by = models.ForeignKey(
        "dispatch.User",
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    image = models.FileField(upload_to="photos/%Y/%m/%d/", verbose_name=_("image"))
    content_type = models.CharField(max_length=32, verbose_name=_("content type"))
    size = models.PositiveIntegerField(verbose_name=_("size"))
    sha256 = models.CharField(max_length=64, verbose_name=_("sha256"))
    caption = models.CharField(max_length=200, blank=True, verbose_name=_("caption"))

    class Meta:
        verbose_name = _("work order photo")
        verbose_name_plural = _("work order photos")
        ordering = ["device_time", "client_event_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "client_event_id"], name="photo_client_id_once"
            )
        ]
