"""The phone systems the hotline's calls come through, the agents' extensions on them, and one
record per call leg (each channel: the caller's, and each agent's it reached)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PhoneSystem(models.Model):
    """A phone system whose events the adapters read; edited by the administrator."""

    class Kind(models.TextChoices):
        AMI = "ami", _("Asterisk (AMI)")
        ESL = "esl", _("FreeSWITCH (event socket)")
        WEBHOOK = "webhook", _("Other ACD (HTTP webhook)")

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    kind = models.CharField(max_length=8, choices=Kind.choices, verbose_name=_("kind"))
    host = models.CharField(max_length=200, blank=True, verbose_name=_("host"))
    port = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("port"))
    username = models.CharField(max_length=100, blank=True, verbose_name=_("user name"))
    secret = models.CharField(max_length=200, blank=True, verbose_name=_("secret"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    # The call centre the system's queues answer for: the unit its calls count for in the
    # reports (answered, abandoned, answer time).
    unit = models.ForeignKey(
        "network.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("unit"),
    )
    # Where its recordings are: the path the phone system names them by, and the directory
    # this server reads them from (the same files, mounted): a leg's recording outside it is
    # never served.
    recordings_prefix = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("the start of the recordings' names on the phone system"),
        verbose_name=_("recordings path on the phone system"),
    )
    recordings_dir = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("the directory where this server reads the same files"),
        verbose_name=_("recordings directory here"),
    )
    # Where an agent's click-to-call is dialled: Asterisk's dialplan context, FreeSWITCH's.
    outbound_context = models.CharField(
        max_length=80,
        default="from-internal",
        help_text=_("the dialplan context a click-to-call dials the number in"),
        verbose_name=_("outbound context"),
    )
    wrap_up_s = models.PositiveIntegerField(
        default=60,
        help_text=_("after a call, an agent is in wrap-up this long unless they say ready sooner"),
        verbose_name=_("wrap-up seconds"),
    )
    # What the adapter last saw, for the health page and the administrator.
    connected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("connected at"))
    disconnected_at = models.DateTimeField(null=True, blank=True, verbose_name=_("disconnected at"))

    class Meta:
        verbose_name = _("phone system")
        verbose_name_plural = _("phone systems")

    def __str__(self) -> str:
        return self.name


class Extension(models.Model):
    """An agent's phone on a phone system: how a ringing leg finds its agent."""

    system = models.ForeignKey(
        PhoneSystem, on_delete=models.CASCADE, related_name="extensions", verbose_name=_("system")
    )
    number = models.CharField(max_length=32, verbose_name=_("extension"))
    user = models.ForeignKey(
        "dispatch.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("agent")
    )

    class Meta:
        verbose_name = _("extension")
        verbose_name_plural = _("extensions")
        constraints = [
            models.UniqueConstraint(fields=["system", "number"], name="extension_unique")
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.user})"


class CallLeg(models.Model):
    """One channel of a customer's call: the caller's own (rang in, queued, answered by an
    agent, ended; abandoned if no agent answered), or an agent's (rang, answered, transferred
    or ended). Its status follows from its moments, so events replayed or out of order end
    in the same record."""

    class Role(models.TextChoices):
        CALLER = "caller", _("Caller")
        AGENT = "agent", _("Agent")

    class Status(models.TextChoices):
        RINGING = "ringing", _("Ringing")
        QUEUED = "queued", _("Waiting in a queue")
        TALKING = "talking", _("Talking")
        COMPLETED = "completed", _("Completed")
        TRANSFERRED = "transferred", _("Transferred")
        ABANDONED = "abandoned", _("Abandoned")
        MISSED = "missed", _("Not answered")

    system = models.ForeignKey(
        PhoneSystem, on_delete=models.PROTECT, related_name="legs", verbose_name=_("system")
    )
    leg_uid = models.CharField(max_length=80, verbose_name=_("leg id"))
    call_uid = models.CharField(max_length=80, db_index=True, verbose_name=_("call id"))
    role = models.CharField(max_length=8, choices=Role.choices, verbose_name=_("role"))
    status = models.CharField(max_length=12, choices=Status.choices, verbose_name=_("status"))
    caller_number = models.CharField(max_length=32, blank=True, verbose_name=_("caller number"))
    dialled_number = models.CharField(max_length=32, blank=True, verbose_name=_("dialled number"))
    queue = models.CharField(max_length=80, blank=True, verbose_name=_("queue"))
    extension = models.CharField(max_length=32, blank=True, verbose_name=_("extension"))
    agent = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("agent"),
    )
    rang_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rang at"))
    queued_at = models.DateTimeField(null=True, blank=True, verbose_name=_("queued at"))
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    transferred_to = models.CharField(max_length=32, blank=True, verbose_name=_("transferred to"))
    recording = models.CharField(max_length=500, blank=True, verbose_name=_("recording"))
    # When the agent's console was sent the caller (the screen pop), once per leg.
    popped_at = models.DateTimeField(null=True, blank=True, verbose_name=_("shown to the agent at"))
    # The call taker's record of this call, once their console stored it.
    call = models.ForeignKey(
        "dispatch.Call",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("call record"),
    )
    # Ended while the adapter was not connected: the phone system no longer had the channel
    # when it came back, so the end is when that was seen, not when it happened.
    end_unseen = models.BooleanField(default=False, verbose_name=_("end not seen"))

    class Meta:
        verbose_name = _("call leg")
        verbose_name_plural = _("call legs")
        ordering = ["-rang_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["system", "leg_uid"], name="call_leg_unique")
        ]
        indexes = [
            models.Index(fields=["system", "ended_at"], name="call_leg_open"),
            # The reports read a date range of callers' legs.
            models.Index(
                fields=["rang_at"], name="call_leg_rang", condition=models.Q(role="caller")
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number or '?'} → {self.extension or self.queue or '?'}"


class AgentPresence(models.Model):
    """Whether an agent takes calls now (ready), or not and why: set on their console, or by
    the phone system when they pause in its queues. Whether they are on a call or wrapping
    one up follows from their call legs (telephony.services.agents)."""

    user = models.OneToOneField(
        "dispatch.User", on_delete=models.CASCADE, related_name="+", verbose_name=_("agent")
    )
    ready = models.BooleanField(default=False, verbose_name=_("ready"))
    reason = models.CharField(max_length=100, blank=True, verbose_name=_("reason"))
    since = models.DateTimeField(verbose_name=_("since"))

    class Meta:
        verbose_name = _("agent presence")
        verbose_name_plural = _("agent presences")

    def __str__(self) -> str:
        return f"{self.user}: {'ready' if self.ready else self.reason or 'not ready'}"


class RecordingReview(models.Model):
    """A supervisor's quality review of one recorded leg: a score and what they heard."""

    leg = models.ForeignKey(
        CallLeg, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("call leg")
    )
    reviewer = models.ForeignKey(
        "dispatch.User", on_delete=models.PROTECT, related_name="+", verbose_name=_("reviewer")
    )
    score = models.PositiveSmallIntegerField(verbose_name=_("score"))
    comments = models.TextField(blank=True, verbose_name=_("comments"))
    created_at = models.DateTimeField(verbose_name=_("reviewed at"))

    class Meta:
        verbose_name = _("recording review")
        verbose_name_plural = _("recording reviews")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score__lte=100), name="recording_review_score_0_100"
            )
        ]

    def __str__(self) -> str:
        return f"{self.leg}: {self.score}"
