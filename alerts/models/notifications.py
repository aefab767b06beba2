from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Language


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("E-mail")
    MQTT = "mqtt", _("MQTT (tablet)")
    WEBHOOK = "webhook", _("Status push (linked hotline)")


class NotificationTemplate(models.Model):
    """What a message says, per purpose and language; administrators edit them. Text uses
    `{placeholders}` filled from the message's context (str.format_map, unknown keys left)."""

    key = models.CharField(
        max_length=64, help_text=_("e.g. progress.dispatched, sla.breached"), verbose_name=_("key")
    )
    language = models.CharField(max_length=2, choices=Language.choices, verbose_name=_("language"))
    subject = models.CharField(
        max_length=200, blank=True, help_text=_("e-mail only"), verbose_name=_("subject")
    )
    body = models.TextField(verbose_name=_("body"))

    class Meta:
        verbose_name = _("notification template")
        verbose_name_plural = _("notification templates")
        ordering = ["key", "language"]
        constraints = [
            models.UniqueConstraint(fields=["key", "language"], name="template_key_language")
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.language})"


class Notification(models.Model):
    """The outbox: a message is written here in the transaction of the change it reports, and
    Celery (or, while Redis is down, the drain run at its return) sends it. The idempotency
    key makes a second write of the same message a no-op, so a step is never sent twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed for good")
        CANCELLED = "cancelled", _("Cancelled (opted out)")

    channel = models.CharField(max_length=8, choices=Channel.choices, verbose_name=_("channel"))
    recipient = models.CharField(
        max_length=254, help_text=_("phone, e-mail address or topic"), verbose_name=_("recipient")
    )
    template = models.CharField(max_length=64, verbose_name=_("template"))
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ZH, verbose_name=_("language")
    )
    context = models.JSONField(default=dict, blank=True, verbose_name=_("context"))
    subject = models.CharField(max_length=200, blank=True, verbose_name=_("subject"))
    body = models.TextField(
        help_text=_("rendered when queued: what was meant at that moment"), verbose_name=_("body")
    )
    idempotency_key = models.CharField(
        max_length=200, unique=True, verbose_name=_("idempotency key")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    created_at = models.DateTimeField(verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    incident = models.ForeignKey(
        "dispatch.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("incident"),
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="notification_due",
                condition=models.Q(status="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} to {self.recipient}: {self.template} ({self.status})"
