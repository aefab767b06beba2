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

    role = models.CharField(
        max_length=20, choices=Role.choices, default=Role.CALL_TAKER, verbose_name=_("role")
    )
    org_unit = models.ForeignKey(
        "network.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
        help_text=_("the user sees this unit and everything beneath it"),
        verbose_name=_("org unit"),
    )
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
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

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def get_full_name(self) -> str:
        """A name as its own language writes it: a Chinese one family name first with no space
        (王芳), another given name first (Fang Wang)."""
        first, last = self.first_name.strip(), self.last_name.strip()
        if any("\u3400" <= c <= "\u9fff" for c in first + last):
            return f"{last}{first}"
        return f"{first} {last}".strip()

    def has_role(self, *roles: Role) -> bool:
        return self.is_active and self.role in roles


class Customer(models.Model):
    """A gas account: who pays, how to reach them, which premises they are supplied at."""

    account_no = models.CharField(max_length=32, unique=True, verbose_name=_("account no"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    phones = ArrayField(
        models.CharField(max_length=32), default=list, blank=True, verbose_name=_("phones")
    )
    # Database defaults too: the customer import writes rows with SQL of its own.
    email = models.EmailField(blank=True, default="", db_default="", verbose_name=_("email"))
    language = models.CharField(
        max_length=2,
        choices=Language.choices,
        default=Language.ZH,
        db_default=Language.ZH,
        verbose_name=_("language"),
    )
    # The address as the utility's billing system holds it; `premises` is what it matched.
    # Kept so that an account whose address matched no premise can still be found and linked.
    address = models.CharField(
        max_length=300, blank=True, default="", db_default="", verbose_name=_("address")
    )
    premises = models.ManyToManyField(
        "network.Premise", related_name="customers", blank=True, verbose_name=_("premises")
    )
    vulnerable = models.BooleanField(
        default=False,
        help_text=_("priority for restoration and welfare calls (elderly, medical)"),
        verbose_name=_("vulnerable"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["account_no"]
        # Screen pop finds the caller by any of their numbers: phones @> ARRAY['...'].
        indexes = [GinIndex(fields=["phones"], name="customer_phones")]

    def __str__(self) -> str:
        return f"{self.account_no} {self.name}"
