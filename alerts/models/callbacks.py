from django.db import models
from django.utils.translation import gettext_lazy as _


class CallBack(models.Model):
    """The call made to a caller after their incident closed (due within one working day):
    what they said and how satisfied they were, 1 to 5."""

    incident = models.ForeignKey(
        "dispatch.Incident", on_delete=models.PROTECT, related_name="+", verbose_name=_("incident")
    )
    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.PROTECT, related_name="+", verbose_name=_("call")
    )
    due_at = models.DateTimeField(verbose_name=_("due at"))
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))
    done_by = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("done by"),
    )
    reached = models.BooleanField(
        null=True, blank=True, help_text=_("did the caller answer"), verbose_name=_("reached")
    )
    satisfaction = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("satisfaction")
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))

    class Meta:
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
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
        return _("call-back for call %(call)s") % {"call": self.call_id}
