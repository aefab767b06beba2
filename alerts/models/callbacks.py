from django.db import models


class CallBack(models.Model):
    """The call made to a caller after their incident closed (due within one working day):
    what they said and how satisfied they were, 1 to 5."""

    incident = models.ForeignKey("dispatch.Incident", on_delete=models.PROTECT, related_name="+")
    call = models.ForeignKey("dispatch.Call", on_delete=models.PROTECT, related_name="+")
    due_at = models.DateTimeField()
    done_at = models.DateTimeField(null=True, blank=True)
    done_by = models.ForeignKey(
        "dispatch.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reached = models.BooleanField(null=True, blank=True, help_text="did the caller answer")
    satisfaction = models.PositiveSmallIntegerField(null=True, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(fields=["call"], name="one_call_back_per_call"),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5),
                name="satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"call-back for call {self.call_id}"
