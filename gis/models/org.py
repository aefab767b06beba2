from django.contrib.gis.db import models
from django.contrib.postgres.fields import ArrayField
from django.utils.translation import gettext_lazy as _

from gis.models.network import Utility


def _gas() -> list[str]:
    return [Utility.GAS.value]


class OrgUnit(models.Model):
    """One unit of the three-tier organisation: group centre > operating company > station.

    An incident belongs to the station whose territory holds it; users are scoped to a unit
    and see everything beneath it.
    """

    class Tier(models.IntegerChoices):
        GROUP = 1, _("Group centre")
        COMPANY = 2, _("Operating company")
        STATION = 3, _("Maintenance station")

    code = models.SlugField(max_length=32, unique=True, verbose_name=_("code"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    tier = models.PositiveSmallIntegerField(choices=Tier.choices, verbose_name=_("tier"))
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("parent"),
    )
    territory = models.MultiPolygonField(
        srid=4326,
        null=True,
        blank=True,
        verbose_name=_("territory"),  # GiST-indexed
    )
    phone = models.CharField(max_length=40, blank=True, verbose_name=_("phone"))
    # What the unit serves: a company (and its stations) one or more utilities; a call about
    # heat goes to the heat company whose territory holds it. The group centre takes calls
    # for every utility its companies serve.
    utilities = ArrayField(
        models.CharField(max_length=8, choices=Utility.choices),
        default=_gas,
        help_text=_("the utilities this unit serves"),
        verbose_name=_("utilities"),
    )

    class Meta:
        verbose_name_plural = _("organisation units")
        ordering = ["tier", "name"]
        verbose_name = _("organisation unit")
        constraints = [
            # Only the group centre stands alone; the tier rule itself lives in org_unit_create.
            models.CheckConstraint(
                condition=models.Q(tier=1, parent__isnull=True)
                | models.Q(tier__gt=1, parent__isnull=False),
                name="org_unit_parent_matches_tier",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AreaClass(models.TextChoices):
    """Where a commitment differs by place (95598: urban 45, rural 90, remote 120 minutes)."""

    URBAN = "urban", _("Urban")
    RURAL = "rural", _("Rural")
    REMOTE = "remote", _("Remote")


class ServiceArea(models.Model):
    """An area of one class, drawn or imported by the administrator: an incident inside it
    takes the SLA policies of its class (dispatch.sla). Outside every area: urban."""

    name = models.CharField(max_length=100, verbose_name=_("name"))
    area_class = models.CharField(
        max_length=8, choices=AreaClass.choices, verbose_name=_("area class")
    )
    geom = models.MultiPolygonField(srid=4326, verbose_name=_("area"))

    class Meta:
        verbose_name = _("service area")
        verbose_name_plural = _("service areas")
        ordering = ["area_class", "name"]

    def __str__(self) -> str:
        return self.name
