from django.db import models


class Escalation(models.Model):
    """A breached clock taken up the organisation: level 1 is the station's supervisors, each
    level above is the next unit up, reached when the clock is still breached a set time on."""

    deadline = models.ForeignKey(
        "dispatch.IncidentDeadline", on_delete=models.PROTECT, related_name="escalations"
    )
    level = models.PositiveSmallIntegerField()
    unit = models.ForeignKey("network.OrgUnit", on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    recipients = models.JSONField(default=list, help_text="usernames told")

    class Meta:
        ordering = ["deadline", "level"]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "level"], name="escalation_once_per_level")
        ]

    def __str__(self) -> str:
        return f"escalation {self.level} of deadline {self.deadline_id}"
