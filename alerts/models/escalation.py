from django.db import models
from django.utils.translation import gettext_lazy as _


class Escalation(models.Model):
    """A breached clock taken up the organisation: level 1 is the station's supervisors, each
    level above is the next unit up, reached when the clock is still breached a set time on."""

    deadline = models.ForeignKey(
        "dispatch.IncidentDeadline",
        on_delete=models.PROTECT,
        related_name="escalations",
        verbose_name=_("deadline"),
    )
    level = models.PositiveSmallIntegerField(verbose_name=_("level"))
    unit = models.ForeignKey(
        "network.OrgUnit", on_delete=models.PROTECT, related_name="+", verbose_name=_("unit")
    )
    at = models.DateTimeField(verbose_name=_("at"))
    recipients = models.JSONField(
        default=list, help_text=_("usernames told"), verbose_name=_("recipients")
    )

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        ordering = ["deadline", "level"]
        constraints = [
            models.UniqueConstraint(fields=["deadline", "level"], name="escalation_once_per_level")
        ]

    def __str__(self) -> str:
        return _("escalation %(level)s of deadline %(deadline)s") % {
            "level": self.level,
            "deadline": self.deadline_id,
        }
