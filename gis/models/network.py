"""The pipe networks: gas mains, and district heating's supply and return pipes, with their
valves and the stations that feed them. Each pipe and valve names its utility and, for heat,
its circuit; a graph (gis.topology) is built per (utility, circuit), so a gas main and a heat
pipe drawn through the same point never meet."""

from django.contrib.gis.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Utility(models.TextChoices):
    """What a network, a case type or a company's service is about."""

    GAS = "gas", _("Gas")
    HEAT = "heat", _("District heating")
    POWER = "power", _("Power")


class Circuit(models.TextChoices):
    """District heating runs two pipes side by side: hot water out, cooled water back."""

    NONE = "", pgettext_lazy("heat circuit", "(not heat)")
    SUPPLY = "supply", pgettext_lazy("heat circuit", "Supply")
    RETURN = "return", pgettext_lazy("heat circuit", "Return")


PIPE_UTILITIES = [(Utility.GAS.value, Utility.GAS.label), (Utility.HEAT.value, Utility.HEAT.label)]


def _circuit_matches(prefix: str = "") -> Q:
    """Gas has no circuit; a heat pipe or valve is on the supply or the return."""
    return Q(**{f"{prefix}utility": "gas", f"{prefix}circuit": ""}) | Q(
        **{f"{prefix}utility": "heat", f"{prefix}circuit__in": ["supply", "return"]}
    )


class PressureClass(models.TextChoices):
    # A context of their own: "Low pressure" is also a caller's complaint (气压低), not a class.
    HIGH = "high", pgettext_lazy("pressure class", "High pressure")
    MEDIUM = "medium", pgettext_lazy("pressure class", "Medium pressure")
    LOW = "low", pgettext_lazy("pressure class", "Low pressure")


class PipeSegment(models.Model):
    """One length of main between two nodes (junctions, valves, ends)."""

    class Material(models.TextChoices):
        PE = "pe", _("Polyethylene")
        STEEL = "steel", _("Steel")
        CAST_IRON = "cast_iron", _("Cast iron")
        DUCTILE_IRON = "ductile_iron", _("Ductile iron")
        COPPER = "copper", _("Copper")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        IN_SERVICE = "in_service", _("In service")
        PLANNED = "planned", _("Planned")
        ABANDONED = "abandoned", _("Abandoned")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    geom = models.LineStringField(srid=4326, verbose_name=_("geom"))
    utility = models.CharField(
        max_length=8,
        choices=PIPE_UTILITIES,
        default=Utility.GAS,
        db_default=Utility.GAS,  # rows written in SQL (the demo city) are gas unless they say
        verbose_name=_("utility"),
    )
    circuit = models.CharField(
        max_length=8,
        choices=Circuit.choices,
        blank=True,
        default="",
        db_default="",
        help_text=_("heat only: the supply or the return pipe"),
        verbose_name=_("circuit"),
    )
    # A heat pipe's partner in the other circuit, laid beside it: closing one for a repair
    # closes both (gis.heat). Blank: the nearest pipe of the other circuit alongside it.
    twin = models.CharField(
        max_length=64,
        blank=True,
        default="",
        db_default="",
        help_text=_("heat only: the asset id of the pipe beside it in the other circuit"),
        verbose_name=_("twin pipe"),
    )
    material = models.CharField(
        max_length=16, choices=Material.choices, default=Material.PE, verbose_name=_("material")
    )
    diameter_mm = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("diameter mm"))
    # Heat: high for the primary network (plant to substations), low for the secondary
    # (a substation to its buildings); the two meet only through a substation's exchanger.
    pressure_class = models.CharField(
        max_length=8, choices=PressureClass.choices, verbose_name=_("pressure class")
    )
    zone = models.CharField(
        max_length=64, blank=True, help_text=_("pressure zone name"), verbose_name=_("zone")
    )
    install_year = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("install year")
    )
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.IN_SERVICE, verbose_name=_("status")
    )
    # Utility GIS draws most valves on an unsplit main; the importer splits the main there
    # (gis.network_split). The first part keeps the main's asset id, the others add "#2",
    # "#3"..., and every part names the main it was cut from here.
    split_from = models.CharField(
        max_length=64,
        blank=True,
        db_default="",  # rows written in SQL (the demo city, the import) need not name it
        db_index=True,
        help_text=_("asset id of the main as drawn in the GIS, when the import split it at valves"),
        verbose_name=_("split from"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("pipe segment")
        verbose_name_plural = _("pipe segments")
        ordering = ["asset_id"]
        indexes = [models.Index(fields=["utility", "circuit"], name="pipe_network")]
        constraints = [models.CheckConstraint(condition=_circuit_matches(), name="pipe_circuit")]

    def __str__(self) -> str:
        return self.asset_id


class Valve(models.Model):
    """A valve on a main; closing it cuts the network at its node."""

    class Type(models.TextChoices):
        GATE = "gate", _("Gate")
        BALL = "ball", _("Ball")
        PLUG = "plug", _("Plug")
        BUTTERFLY = "butterfly", _("Butterfly")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    geom = models.PointField(srid=4326, verbose_name=_("geom"))
    utility = models.CharField(
        max_length=8,
        choices=PIPE_UTILITIES,
        default=Utility.GAS,
        db_default=Utility.GAS,
        verbose_name=_("utility"),
    )
    circuit = models.CharField(
        max_length=8,
        choices=Circuit.choices,
        blank=True,
        default="",
        db_default="",
        help_text=_("heat only: the supply or the return pipe it sits on"),
        verbose_name=_("circuit"),
    )
    valve_type = models.CharField(
        max_length=16, choices=Type.choices, default=Type.GATE, verbose_name=_("valve type")
    )
    diameter_mm = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("diameter mm"))
    operable = models.BooleanField(
        default=True, help_text=_("false when a crew found it seized"), verbose_name=_("operable")
    )
    normally_open = models.BooleanField(default=True, verbose_name=_("normally open"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("valve")
        verbose_name_plural = _("valves")
        ordering = ["asset_id"]
        # Every trace reads the seized valves: a few among tens of thousands.
        indexes = [
            models.Index(fields=["id"], condition=models.Q(operable=False), name="valve_seized")
        ]
        constraints = [models.CheckConstraint(condition=_circuit_matches(), name="valve_circuit")]

    def __str__(self) -> str:
        return self.asset_id


class Source(models.Model):
    """Where a network is fed: a gate or regulator station (gas), a heat source (a plant,
    feeding the primary network) or a substation (换热站: fed by the primary network through
    its exchanger, feeding the secondary network and the buildings behind it). A heat
    station sits on both circuits."""

    class Kind(models.TextChoices):
        GATE_STATION = "gate_station", _("Gate station")
        REGULATOR = "regulator", _("Regulator station")
        HEAT_SOURCE = "heat_source", _("Heat source")
        SUBSTATION = "substation", _("Heat substation")

    asset_id = models.CharField(max_length=64, unique=True, verbose_name=_("asset id"))
    name = models.CharField(max_length=200, verbose_name=_("name"))
    utility = models.CharField(
        max_length=8,
        choices=PIPE_UTILITIES,
        default=Utility.GAS,
        db_default=Utility.GAS,
        verbose_name=_("utility"),
    )
    kind = models.CharField(
        max_length=16, choices=Kind.choices, default=Kind.REGULATOR, verbose_name=_("kind")
    )
    geom = models.PointField(srid=4326, verbose_name=_("geom"))
    pressure_class = models.CharField(
        max_length=8, choices=PressureClass.choices, verbose_name=_("pressure class")
    )
    zone = models.CharField(max_length=64, blank=True, verbose_name=_("zone"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("source")
        verbose_name_plural = _("sources")
        ordering = ["asset_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(utility="gas", kind__in=["gate_station", "regulator"])
                | Q(utility="heat", kind__in=["heat_source", "substation"]),
                name="source_kind_utility",
            )
        ]

    def __str__(self) -> str:
        return self.name


class NetworkRevision(models.Model):
    """One row whose number goes up with every change to the network.

    Processes keep the network graph in memory and rebuild it when this number moves.
    """

    revision = models.PositiveBigIntegerField(default=0, verbose_name=_("revision"))
    changed_at = models.DateTimeField(auto_now=True, verbose_name=_("changed at"))

    class Meta:
        verbose_name = _("network revision")
        verbose_name_plural = _("network revisions")
