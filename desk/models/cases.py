"""An office case: a complaint, a 举报, a consultation sent to the second tier, an account
service... handled by a desk, not a crew. Its steps are written on the timeline of the call
that opened it (dispatch.models.IncidentEvent, kind `case.*`, data["case"] its reference)."""

from functools import cached_property

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Language
from dispatch.models.rules import case_type_validate


class CaseStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    IN_PROGRESS = "in_progress", _("In progress")
    REPLIED = "replied", _("Replied")
    CALLED_BACK = "called_back", _("Called back")
    CLOSED = "closed", _("Closed")


class Case(models.Model):
    """One office case. `unit` (and `department`) hold it now; `return_to` is the desk that sent
    it to the second tier and gets the answer back."""

    OPEN_STATUSES = (
        CaseStatus.RECEIVED,
        CaseStatus.ASSIGNED,
        CaseStatus.IN_PROGRESS,
        CaseStatus.REPLIED,
        CaseStatus.CALLED_BACK,
    )
    # Still waiting for its reply: the reply clock runs, urging and escalation apply.
    AWAITING_REPLY = (CaseStatus.RECEIVED, CaseStatus.ASSIGNED, CaseStatus.IN_PROGRESS)

    reference = models.CharField(max_length=20, unique=True, verbose_name=_("reference"))
    category = models.CharField(
        max_length=32, validators=[case_type_validate], verbose_name=_("case type")
    )
    status = models.CharField(
        max_length=16,
        choices=CaseStatus.choices,
        default=CaseStatus.RECEIVED,
        verbose_name=_("status"),
    )
    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.PROTECT, related_name="cases", verbose_name=_("call")
    )
    customer = models.ForeignKey(
        "dispatch.Customer",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("customer"),
    )
    premise = models.ForeignKey(
        "network.Premise",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="cases",
        verbose_name=_("premise"),
    )
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ZH, verbose_name=_("language")
    )
    subject = models.TextField(
        blank=True, help_text=_("what the caller asked or complained of"), verbose_name=_("subject")
    )
    confidential = models.BooleanField(default=False, verbose_name=_("confidential"))
    unit = models.ForeignKey(
        "network.OrgUnit",
        on_delete=models.PROTECT,
        related_name="cases",
        help_text=_("the desk that holds it now"),
        verbose_name=_("desk"),
    )
    department = models.ForeignKey(
        "desk.Department",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases",
        verbose_name=_("department"),
    )
    return_to = models.ForeignKey(
        "network.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("second tier: the desk that asked and gets the answer back"),
        verbose_name=_("answer back to"),
    )
    handler = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_handled",
        verbose_name=_("handler"),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    due_at = models.DateTimeField(
        null=True, blank=True, help_text=_("the reply is due by"), verbose_name=_("reply due")
    )
    answer_due_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("second-tier answer due")
    )
    urged_at = models.DateTimeField(null=True, blank=True, verbose_name=_("urged at"))
    overdue_at = models.DateTimeField(
        null=True, blank=True, help_text=_("escalated as overdue"), verbose_name=_("overdue at")
    )
    answer_text = models.TextField(blank=True, verbose_name=_("second-tier answer"))
    reply_text = models.TextField(blank=True, verbose_name=_("reply"))
    replied_at = models.DateTimeField(null=True, blank=True, verbose_name=_("replied at"))
    replied_by = models.ForeignKey(
        "dispatch.User",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("replied by"),
    )
    checklist_done = ArrayField(
        models.PositiveSmallIntegerField(),
        default=list,
        blank=True,
        help_text=_("the checklist steps ticked, by position"),
        verbose_name=_("checklist done"),
    )
    field_incident = models.ForeignKey(
        "dispatch.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_started",
        help_text=_("the field job this case started"),
        verbose_name=_("field job"),
    )
    raised_by = models.ForeignKey(
        "dispatch.Incident",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="cases_raised",
        help_text=_("the field job that raised this case"),
        verbose_name=_("raised by"),
    )
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    close_note = models.TextField(blank=True, verbose_name=_("close note"))

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["status", "unit"], name="case_open_unit"),
            models.Index(fields=["due_at"], name="case_due"),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @cached_property
    def category_label(self) -> str:
        from dispatch.categories import category_name

        return category_name(self.category)
