from django.contrib.gis.db import models
from django.utils.translation import gettext_lazy as _


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
