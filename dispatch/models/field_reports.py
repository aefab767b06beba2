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
        "dispatch.WorkOrder", on_delete=models.PROTECT, related_name="finding_reports"
    )
    client_event_id = models.CharField(max_length=64)
    device_time = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        "dispatch.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    leak_grade = models.PositiveSmallIntegerField(choices=LeakGrade.choices, null=True)
    cause = models.CharField(max_length=32, blank=True)
    actions_taken = models.JSONField(default=list)
    valves_operated = models.JSONField(default=list, help_text="[{asset_id, action, operable}]")
    materials = models.JSONField(default=list, help_text="[{item, quantity, unit}]")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["device_time", "client_event_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "client_event_id"], name="finding_client_id_once"
            )
        ]


class WorkOrderPhoto(models.Model):
    work_order = models.ForeignKey(
        "dispatch.WorkOrder", on_delete=models.PROTECT, related_name="photos"
    )
    client_event_id = models.CharField(max_length=64)
    device_time = models.DateTimeField()
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(
        "dispatch.User", null=True, on_delete=models.PROTECT, related_name="+"
    )
    image = models.FileField(upload_to="photos/%Y/%m/%d/")
    content_type = models.CharField(max_length=32)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    caption = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["device_time", "client_event_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "client_event_id"], name="photo_client_id_once"
            )
        ]
