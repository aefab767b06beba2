from django.db import models
from django.utils.translation import gettext_lazy as _


class CapMessage(models.Model):
    """One CAP 1.2 message as it was issued: an Alert, then Updates and a Cancel that
    reference it. The XML is kept exactly as sent, so the feed never rewrites history."""

    class MsgType(models.TextChoices):
        ALERT = "Alert", _("Alert")
        UPDATE = "Update", _("Update")
        CANCEL = "Cancel", _("Cancel")

    identifier = models.CharField(max_length=100, unique=True)
    incident = models.ForeignKey(
        "dispatch.Incident", on_delete=models.PROTECT, related_name="cap_messages"
    )
    msg_type = models.CharField(max_length=8, choices=MsgType.choices)
    references = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="followed_by"
    )
    sent = models.DateTimeField()
    xml = models.TextField()

    class Meta:
        ordering = ["-sent", "-id"]

    def __str__(self) -> str:
        return f"{self.msg_type} {self.identifier}"
