from django.db import models


class ApiKey(models.Model):
    """A linked system's key for Open311 (the city's 12345 hotline, a partner app). Only a
    hash is kept; requests it makes are taken as calls on the Open311 channel."""

    name = models.CharField(max_length=100, unique=True)
    prefix = models.CharField(max_length=12, unique=True, help_text="the key's first characters")
    key_hash = models.CharField(max_length=128)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "API key"

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
