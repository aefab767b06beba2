from django.db import models


class StatusLink(models.Model):
    """The unguessable link in a caller's messages: it shows that one incident's progress
    and nothing about anyone else, until it expires."""

    token = models.CharField(max_length=64, unique=True)
    incident = models.ForeignKey(
        "dispatch.Incident", on_delete=models.PROTECT, related_name="status_links"
    )
    call = models.ForeignKey("dispatch.Call", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["call"], name="one_status_link_per_call")]

    def __str__(self) -> str:
        return f"status link for call {self.call_id}"
