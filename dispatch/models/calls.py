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

    channel = models.CharField(max_length=16, choices=Channel.choices, default=Channel.PHONE)
    caller_phone = models.CharField(max_length=32, blank=True, db_index=True)
    caller_name = models.CharField(max_length=100, blank=True)
    # Database defaults too: imports and benchmarks write calls with SQL of their own.
    caller_email = models.EmailField(blank=True, default="", db_default="")
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ZH, db_default=Language.ZH
    )
    notify = models.BooleanField(
        default=True, db_default=True, help_text="send the caller progress messages (opt-out)"
    )
    customer = models.ForeignKey(
        "dispatch.Customer", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    category = models.CharField(max_length=32, validators=[case_type_validate])
    description = models.TextField(blank=True)
    address_text = models.CharField(max_length=300, blank=True)
    point = models.PointField(srid=4326, null=True, blank=True)
    geocode_method = models.CharField(
        max_length=16,
        blank=True,
        help_text="exact, structured, fuzzy, landmark, intersection, pinned on the map, or blank",
    )
    premise = models.ForeignKey(
        "network.Premise", null=True, blank=True, on_delete=models.SET_NULL, related_name="calls"
    )
    hazards = ArrayField(
        models.CharField(max_length=32, choices=Hazard.choices), default=list, blank=True
    )
    taker = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="calls_taken",
    )
    received_at = models.DateTimeField(db_index=True)
    external_ref = models.CharField(
        max_length=64, blank=True, help_text="the linked system's id (Open311, 12345, 110)"
    )
    incident = models.ForeignKey(
        "dispatch.Incident", null=True, blank=True, on_delete=models.PROTECT, related_name="calls"
    )
    outcome = models.CharField(max_length=16, choices=Outcome.choices, default=Outcome.OPEN)
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
    )

    class Meta:
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"call {self.pk} {self.category} {self.received_at:%H:%M:%S}"

    @cached_property
    def category_label(self) -> str:
        """The case type's name in the active language (its code if the row is gone); a list
        fills it for all its rows with one query (dispatch.categories.category_labels_fill)."""
        from dispatch.categories import category_name  # it reads these models

        return category_name(self.category)
