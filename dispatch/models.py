from django.contrib.auth.models import AbstractUser
from django.db import models

from dispatch.roles import Role


class User(AbstractUser):
    """A person at the utility: one role, scoped to one unit of the organisation."""

    role = models.CharField(max_length=20, choices=Role.choices, default=Role.CALL_TAKER)
    org_unit = models.ForeignKey(
        "network.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text="the user sees this unit and everything beneath it",
    )
    phone = models.CharField(max_length=40, blank=True)

    def has_role(self, *roles: Role) -> bool:
        return self.is_active and self.role in roles
