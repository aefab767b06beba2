"""Call-backs: the call owed to a caller after their incident was resolved or their desk case
replied to, every attempt at it, and the customer's own answer through an SMS link."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CallBackStatus(models.TextChoices):
    PENDING = "pending", _("To call")
    REACHED = "reached", _("Reached")
    NOT_REACHED = "not_reached", _("Not reached (given up)")
    DECLINED = "declined", _("Declined to answer")


class CallBack(models.Model):
    """One call owed to one caller: of an incident (one per caller number) or of a desk case
    (its caller). Tried until reached, declined, or the retry window closes; a caller never
    reached is `not_reached`, which is finished but never counted as satisfied."""

    FINISHED = (CallBackStatus.REACHED, CallBackStatus.NOT_REACHED, CallBackStatus.DECLINED)

    incident = models.ForeignKey(
        "dispatch.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("incident"),
    )
    case = models.ForeignKey(
        "desk.Case",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callbacks",
        verbose_name=_("case"),
    )
    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.PROTECT, related_name="+", verbose_name=_("call")
    )
    # The unit it counts for in the reports: the incident's station or the case's desk when
    # it was scheduled. Kept here so a month of one unit's call-backs is read by index
    # without joining every incident and case.
    unit = models.ForeignKey(
        "network.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("unit"),
    )
    status = models.CharField(
        max_length=12,
        choices=CallBackStatus.choices,
        default=CallBackStatus.PENDING,
        verbose_name=_("status"),
    )
    due_at = models.DateTimeField(verbose_name=_("due at"))
    retry_until = models.DateTimeField(
        help_text=_("tried until then; afterwards the caller counts as not reached"),
        verbose_name=_("retried until"),
    )
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    first_attempt_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("first attempt at")
    )
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
    # The SMS link that lets the customer answer by themselves: long, random, answered once.
    link_token = models.CharField(
        max_length=64, null=True, blank=True, unique=True, verbose_name=_("answer link token")
    )
    link_expires_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("answer link expires at")
    )

    class Meta:
        verbose_name = _("call-back")
        verbose_name_plural = _("call-backs")
        ordering = ["next_attempt_at"]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="callback_pending_due",
                condition=models.Q(status="pending"),
            ),
            # The reports read a date range of call-backs by when each was due, of a group's
            # units or of one.
            models.Index(fields=["due_at"], name="callback_due"),
            models.Index(fields=["unit", "due_at"], name="callback_unit_due"),
        ]
        constraints = [
            # An incident's callers are called once per call; a case's caller once per case.
            models.UniqueConstraint(
                fields=["call"],
                condition=models.Q(incident__isnull=False),
                name="one_call_back_per_incident_call",
            ),
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(case__isnull=False),
                name="one_call_back_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(incident__isnull=False, case__isnull=True)
                | models.Q(incident__isnull=True, case__isnull=False),
                name="call_back_of_incident_or_case",
            ),
            models.CheckConstraint(
                condition=models.Q(satisfaction__isnull=True)
                | models.Q(satisfaction__gte=1, satisfaction__lte=5, status="reached"),
                name="satisfaction_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return _("call-back for call %(call)s") % {"call": self.call_id}

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED


class AttemptOutcome(models.TextChoices):
    REACHED = "reached", _("Reached")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    WRONG_NUMBER = "wrong_number", _("Wrong number")
    REFUSED = "refused", _("Refused to answer")
    LEFT_MESSAGE = "left_message", _("Left a message")
    SMS_LINK_SENT = "sms_link_sent", _("SMS link sent")


class CallBackAttempt(models.Model):
    """One try at a call-back, as the regulator asks it logged: when, by whom, the outcome and
    why; the score and comment when the caller was reached. `by` is empty for the customer's
    own answer through the SMS link."""

    callback = models.ForeignKey(
        CallBack, on_delete=models.PROTECT, related_name="attempt_log", verbose_name=_("call-back")
    )
    at = models.DateTimeField(verbose_name=_("at"))
    by = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("by"),
    )
    outcome = models.CharField(
        max_length=16, choices=AttemptOutcome.choices, verbose_name=_("outcome")
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    score = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("score"))
    comment = models.TextField(blank=True, verbose_name=_("comment"))
    via_link = models.BooleanField(
        default=False,
        help_text=_("answered by the customer through the SMS link"),
        verbose_name=_("through the link"),
    )

    class Meta:
        verbose_name = _("call-back attempt")
        verbose_name_plural = _("call-back attempts")
        ordering = ["at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__isnull=True)
                | models.Q(score__gte=1, score__lte=5, outcome="reached"),
                name="attempt_score_1_to_5_when_reached",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.callback_id} {self.outcome} {self.at:%Y-%m-%d %H:%M}"
