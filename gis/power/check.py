"""Data-quality checks of the power network, for `check_network` to report beside gas."""

from dataclasses import dataclass, field

import numpy as np
from django.db.models import Count
from django.utils.translation import gettext as _

from gis.models import PowerDevice, PowerLine, PowerSubstation, Premise
from gis.network_check import EXAMPLES, Finding
from gis.power.graph import TRANSFORMER, PowerNetwork, power_network


@dataclass
class PowerCheck:
    """What is wrong with the power network (ids; `findings` turns them into counts and
    asset ids, as gas's checks are reported)."""

    lines_unfed: list[int] = field(default_factory=list)  # no substation reaches them
    devices_off_network: list[int] = field(default_factory=list)
    substations_off_network: list[int] = field(default_factory=list)
    transformers_without_customers: list[int] = field(default_factory=list)
    premises_without_transformer: int = 0
    premises_without_transformer_examples: list[str] = field(default_factory=list)
    # One line per independent loop of a feeder meshed without a normally-open point: the
    # line the supply tree leaves out (closing the loop). Self-loops count too.
    meshed_lines: list[int] = field(default_factory=list)

    def findings(self) -> list[Finding]:
        return [
            Finding(
                _("power lines no substation feeds"),
                len(self.lines_unfed),
                _assets(PowerLine, self.lines_unfed),
            ),
            Finding(
                _("power devices off the network (no line end within 1 m)"),
                len(self.devices_off_network),
                _assets(PowerDevice, self.devices_off_network),
            ),
            Finding(
                _("power substations off the network (no line end within 5 m)"),
                len(self.substations_off_network),
                _assets(PowerSubstation, self.substations_off_network),
            ),
            Finding(
                _("transformers without customers"),
                len(self.transformers_without_customers),
                _assets(PowerDevice, self.transformers_without_customers),
                problem=False,  # a new estate's transformer, or customers not loaded yet
            ),
            Finding(
                _("premises without a transformer"),
                self.premises_without_transformer,
                self.premises_without_transformer_examples,
            ),
            Finding(
                _("loops in feeders without a normally-open point (lines closing them)"),
                len(self.meshed_lines),
                _assets(PowerLine, self.meshed_lines),
            ),
        ]

    def render(self) -> str:
        """The findings as check_network prints them."""
        lines = []
        for_example = _("e.g.")
        for finding in self.findings():
            mark = "ok  " if not finding.count else ("!!  " if finding.problem else "info")
            lines.append(f"{mark} {finding.count:>7}  {finding.title}")
            if finding.examples and finding.count:
                lines.append(f"               {for_example} {', '.join(finding.examples)}")
        return "\n".join(lines) + "\n"


def _assets(model: type[PowerLine | PowerDevice | PowerSubstation], ids: list[int]) -> list[str]:
    return list(
        model.objects.filter(pk__in=ids[:EXAMPLES])
        .order_by("asset_id")
        .values_list("asset_id", flat=True)
    )


def power_network_check(network: PowerNetwork | None = None) -> PowerCheck:
    """Unfed lines, devices and substations off the network, transformers without customers,
    premises without a transformer, and feeders meshed where they should be radial.

    Premises without a transformer are counted only once the network has transformers: a
    gas-only company's premises have none, and that is no problem."""
    network = network or power_network()
    graph = network.graph
    fed = network.parent[graph.edge_u] != -2 if len(graph.edge_u) else np.zeros(0, dtype=bool)
    check = PowerCheck(
        lines_unfed=sorted(int(s) for s in graph.edge_segment[~fed]),
        devices_off_network=sorted(graph.valves_off_network),
        substations_off_network=sorted(graph.sources_off_network),
        meshed_lines=sorted(
            [int(s) for s in graph.edge_segment[~network.tree_edges & fed]] + graph.loops
        ),
    )
    transformers = PowerDevice.objects.filter(kind=TRANSFORMER)
    check.transformers_without_customers = list(
        transformers.annotate(n=Count("premises"))
        .filter(n=0)
        .order_by("id")
        .values_list("id", flat=True)
    )
    if transformers.exists():
        orphans = Premise.objects.filter(transformer__isnull=True)
        check.premises_without_transformer = orphans.count()
        check.premises_without_transformer_examples = list(
            orphans.order_by("asset_id").values_list("asset_id", flat=True)[:EXAMPLES]
        )
    return check
