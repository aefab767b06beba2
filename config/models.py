from django.db import models


class Heartbeat(models.Model):
    """The last sign of life of one background process (a worker, beat, a tracker)."""

    component = models.CharField(max_length=32)
    instance = models.CharField(max_length=200, help_text="host and process id")
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["component", "instance"], name="heartbeat_unique"),
        ]
        indexes = [models.Index(fields=["component", "-beat_at"])]

    def __str__(self) -> str:
        return f"{self.component}@{self.instance}"


class Counter(models.Model):
    """A named running count: bad input refused, payloads dropped... (shown by /healthz)."""

    name = models.CharField(max_length=100, unique=True)
    value = models.PositiveBigIntegerField(default=0)
    updated_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
