from django.db import models
from django.utils.translation import gettext_lazy as _


class StatusLink(models.Model):
    """The unguessable link in a caller's messages: it shows that one incident's progress
    and nothing about anyone else, until it expires."""

    token = models.CharField(max_length=64, unique=True, verbose_name=_("token"))
    incident = models.ForeignKey(
        "dispatch.Incident",
        on_delete=models.PROTECT,
        related_name="status_links",
        verbose_name=_("incident"),
    )
    call = models.ForeignKey(
        "dispatch.Call", on_delete=models.PROTECT, related_name="+", verbose_name=_("call")
    )
    created_at = models.DateTimeField(verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        verbose_name = _("status link")
        verbose_name_plural = _("status links")
        constraints = [models.UniqueConstraint(fields=["call"], name="one_status_link_per_call")]

    def __str__(self) -> str:
        return _("status link for call %(call)s") % {"call": self.call_id}
