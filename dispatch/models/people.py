from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from dispatch.choices import Language
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
    # The staff screens' language; blank follows the browser, then the deployment's default.
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        default="",
        db_default="",
        help_text=_("blank: the browser's language, else the deployment's default"),
    )

    def has_role(self, *roles: Role) -> bool:
        return self.is_active and self.role in roles


class Customer(models.Model):
    """A gas account: who pays, how to reach them, which premises they are supplied at."""

    account_no = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    phones = ArrayField(models.CharField(max_length=32), default=list, blank=True)
    # Database defaults too: the customer import writes rows with SQL of its own.
    email = models.EmailField(blank=True, default="", db_default="")
    language = models.CharField(
        max_length=2, choices=Language.choices, default=Language.ZH, db_default=Language.ZH
    )
    # The address as the utility's billing system holds it; `premises` is what it matched.
    # Kept so that an account whose address matched no premise can still be found and linked.
    address = models.CharField(max_length=300, blank=True, default="", db_default="")
    premises = models.ManyToManyField("network.Premise", related_name="customers", blank=True)
    vulnerable = models.BooleanField(
        default=False, help_text="priority for restoration and welfare calls (elderly, medical)"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["account_no"]
        # Screen pop finds the caller by any of their numbers: phones @> ARRAY['...'].
        indexes = [GinIndex(fields=["phones"], name="customer_phones")]

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"
