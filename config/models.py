from django.db import models
from django.utils.translation import gettext_lazy as _


class Heartbeat(models.Model):
    """The last sign of life of one background process (a worker, beat, a tracker)."""

    component = models.CharField(max_length=32, verbose_name=_("component"))
    instance = models.CharField(
        max_length=200, help_text=_("host and process id"), verbose_name=_("instance")
    )
    started_at = models.DateTimeField(verbose_name=_("started at"))
    beat_at = models.DateTimeField(verbose_name=_("beat at"))
    detail = models.JSONField(default=dict, blank=True, verbose_name=_("detail"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")
        constraints = [
            models.UniqueConstraint(fields=["component", "instance"], name="heartbeat_unique"),
        ]
        indexes = [models.Index(fields=["component", "-beat_at"])]

    def __str__(self) -> str:
        return f"{self.component}@{self.instance}"


class Counter(models.Model):
    """A named running count: bad input refused, payloads dropped... (shown by /healthz)."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    value = models.PositiveBigIntegerField(default=0, verbose_name=_("value"))
    updated_at = models.DateTimeField(verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
