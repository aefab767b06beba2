"""What a supervisor sets for the control room's screens: when an incident waiting for a crew
sounds the alarm on the wall and the dispatch screen."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Priority

ALARM_MIN_S = 5  # shorter would ring while the call taker is still opening the incident
ALARM_MAX_S = 24 * 3600


class QueueAlarm(models.Model):
    """How long an incident of one priority may wait without a crew before the wall and the
    dispatch screen flash it, and sound a tone when `sound` is on, until a crew is sent."""

    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, unique=True
    )
    after_seconds = models.PositiveIntegerField(
        _("after (seconds)"),
        validators=[MinValueValidator(ALARM_MIN_S), MaxValueValidator(ALARM_MAX_S)],
        help_text=_("waiting this long for a crew, counted from when the incident was opened"),
    )
    sound = models.BooleanField(
        _("sound"), default=True, help_text=_("a tone as well as the flashing row and banner")
    )

    class Meta:
        ordering = ["priority"]
        verbose_name = _("queue alarm")
        verbose_name_plural = _("queue alarms")

    def __str__(self) -> str:
        return _("P%(priority)s after %(seconds)s s") % {
            "priority": self.priority,
            "seconds": self.after_seconds,
        }
