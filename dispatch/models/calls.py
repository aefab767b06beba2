from functools import cached_property

from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Channel, Hazard, Language
from dispatch.models.rules import case_type_validate


class Call(models.Model):
    """One contact from a caller. Stored first, before anything else can fail."""

    class Outcome(models.TextChoices):
        OPEN = "open", _("Being handled")
        NEW_INCIDENT = "new_incident", _("Opened an incident")
        JOINED = "joined", _("Joined an open incident")
        ANSWERED = "answered", _("Answered on the call")
        CASE = "case", _("Opened a desk case")

    channel = models.CharField(
        max_length=16, choices=Channel.choices, default=Channel.PHONE, verbose_name=_("channel")
    )
    caller_phone = models.CharField(
        max_length=32, blank=True, db_index=True, verbose_name=_("caller phone")
    )
    caller_name = models.CharField(max_length=100, blank=True, verbose_name=_("caller name"))
    # Database defaults too: imports and benchmarks write calls with SQL of their own.
    caller_email = models.EmailField(
        blank=True, default="", db_default="", verbose_name=_("caller email")
    )
    language = models.CharField(
        max_length=2,
        choices=Language.choices,
        default=Language.ZH,
        db_default=Language.ZH,
        verbose_name=_("language"),
    )
    notify = models.BooleanField(
        default=True,
        db_default=True,
        help_text=_("send the caller progress messages (opt-out)"),
        verbose_name=_("notify"),
    )
    customer = models.ForeignKey(
        "dispatch.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("customer"),
    )
    category = models.CharField(
        max_length=32, validators=[case_type_validate], verbose_name=_("category")
    )
    description = models.TextField(blank=True, verbose_name=_("description"))
    address_text = models.CharField(max_length=300, blank=True, verbose_name=_("address text"))
    point = models.PointField(srid=4326, null=True, blank=True, verbose_name=_("point"))
    geocode_method = models.CharField(
        max_length=16,
        blank=True,
        help_text=_(
            "exact, structured, fuzzy, landmark, intersection, pinned on the map, or blank"
        ),
        verbose_name=_("geocode method"),
    )
    premise = models.ForeignKey(
        "network.Premise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls",
        verbose_name=_("premise"),
    )
    hazards = ArrayField(
        models.CharField(max_length=32, choices=Hazard.choices),
        default=list,
        blank=True,
        verbose_name=_("hazards"),
    )
    taker = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls_taken",
        verbose_name=_("taker"),
    )
    received_at = models.DateTimeField(db_index=True, verbose_name=_("received at"))
    # The moments the reports measure a call by (reports/): when the call taker opened its form
    # on the console, when it was stored (received_at: the call taken), and when it was closed
    # (its outcome decided). Handling time runs from the first to the last.
    opened_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("the call taker opened its form on the console"),
        verbose_name=_("opened at"),
    )
    # The unit a call counts for in the reports: the station its incident went to, the desk
    # its case went to, or (answered on the phone, or still open) the call taker's own unit.
    unit = models.ForeignKey(
        "network.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("unit"),
    )
    closed_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("its outcome was decided: an incident, a case or an answer"),
        verbose_name=_("closed at"),
    )
    # The phone system's moments, filled by the telephony integration when it comes (ringing
    # on the queue, answered by an agent, or abandoned by the caller before an answer); until
    # then they stay empty and the reports say the phone system does not report them.
    rang_at = models.DateTimeField(null=True, blank=True, verbose_name=_("rang at"))
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    abandoned_at = models.DateTimeField(null=True, blank=True, verbose_name=_("abandoned at"))
    # The call before this one about the same premise (set when the call is stored, one
    # indexed look-up), so "repeat calls within N days" needs no self-join over a year.
    premise_previous_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text=_("the previous call about the same premise"),
        verbose_name=_("previous call about the premise"),
    )
    external_ref = models.CharField(
        max_length=64,
        blank=True,
        help_text=_("the linked system's id (Open311, 12345, 110)"),
        verbose_name=_("external ref"),
    )
    incident = models.ForeignKey(
        "dispatch.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("incident"),
    )
    outcome = models.CharField(
        max_length=16, choices=Outcome.choices, default=Outcome.OPEN, verbose_name=_("outcome")
    )
    # Kept on the call, not only on the timeline, so the next call from the same source can
    # find the report it repeats with one indexed look-up.
    repeat_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repeats",
        help_text=_(
            "the counted report from the same phone, linked system or e-mail address that this "
            "call repeats within REPORT_REPEAT_WINDOW_MIN: it did not count toward priority"
        ),
        verbose_name=_("repeat of"),
    )

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-received_at"]
        indexes = [
            models.Index(fields=["premise", "received_at"], name="call_premise_time"),
            models.Index(fields=["taker", "received_at"], name="call_taker_time"),
            models.Index(fields=["unit", "received_at"], name="call_unit_time"),
        ]

    def __str__(self) -> str:
        return _("call %(id)s %(category)s %(time)s") % {
            "id": self.pk,
            "category": self.category,
            "time": f"{self.received_at:%H:%M:%S}",
        }

    @cached_property
    def category_label(self) -> str:
        """The case type's name in the active language (its code if the row is gone); a list
        fills it for all its rows with one query (dispatch.categories.category_labels_fill)."""
        from dispatch.categories import category_name  # it reads these models

        return category_name(self.category)
