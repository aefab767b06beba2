from django.db import models
from django.utils.translation import gettext_lazy as _


class ApiKey(models.Model):
    """A linked system's key for Open311 (the city's 12345 hotline, a partner app). Only a
    hash is kept; requests it makes are taken as calls on the Open311 channel."""

    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    prefix = models.CharField(
        max_length=12,
        unique=True,
        help_text=_("the key's first characters"),
        verbose_name=_("prefix"),
    )
    key_hash = models.CharField(max_length=128, verbose_name=_("key hash"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    # A linked hotline (12345, 110/119) that wants each change of its requests pushed to it
    # rather than only polled: where to post, and the secret each post is signed with.
    status_url = models.URLField(
        blank=True,
        help_text=_("where each change of this system's requests is posted; blank: it polls"),
        verbose_name=_("status push URL"),
    )
    status_secret = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("signs each push (X-Signature: sha256=HMAC of the body)"),
        verbose_name=_("status push secret"),
    )

    class Meta:
        verbose_name_plural = _("API keys")
        ordering = ["name"]
        verbose_name = _("API key")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
