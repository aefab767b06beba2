from django.db import models
from django.utils.translation import gettext_lazy as _


class CapMessage(models.Model):
    """One CAP 1.2 message as it was issued: an Alert, then Updates and a Cancel that
    reference it. The XML is kept exactly as sent, so the feed never rewrites history."""

    class MsgType(models.TextChoices):
        ALERT = "Alert", _("Alert")
        UPDATE = "Update", _("Update")
        CANCEL = "Cancel", _("Cancel")

    identifier = models.CharField(max_length=100, unique=True, verbose_name=_("identifier"))
    incident = models.ForeignKey(
        "dispatch.Incident",
        on_delete=models.PROTECT,
        related_name="cap_messages",
        verbose_name=_("incident"),
    )
    msg_type = models.CharField(max_length=8, choices=MsgType.choices, verbose_name=_("msg type"))
    references = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="followed_by",
        verbose_name=_("references"),
    )
    sent = models.DateTimeField(verbose_name=_("sent"))
    xml = models.TextField(verbose_name=_("xml"))

    class Meta:
        verbose_name = _("CAP message")
        verbose_name_plural = _("CAP messages")
        ordering = ["-sent", "-id"]

    def __str__(self) -> str:
        return f"{self.msg_type} {self.identifier}"
