import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from gis.heat.trace import HeatIsolation, heat_isolation_for_segment
from gis.models import PipeSegment, Source, Valve
from gis.selectors import isolation_for_segment, isolation_geojson, premise_ids_cut_off


class Command(BaseCommand):
    help = (
        "Which valves isolate a damaged main, and which premises lose gas; for a heat pipe, "
        "the valves on the supply and on the return, and the buildings without heat."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("segment", help="asset id of the damaged main, e.g. P-000119")
        parser.add_argument(
            "--seized",
            nargs="*",
            default=[],
            metavar="VALVE",
            help="asset ids of valves a crew found will not close",
        )
        parser.add_argument("--geojson", type=Path, help="also write the result as GeoJSON")

    def handle(self, *args: Any, **options: Any) -> None:
        segment = PipeSegment.objects.filter(asset_id=options["segment"]).first()
        if segment is None:
            raise CommandError(f"no main with asset id {options['segment']!r}")
        seized = dict(
            Valve.objects.filter(asset_id__in=options["seized"]).values_list("asset_id", "id")
        )
        if unknown := sorted(set(options["seized"]) - set(seized)):
            raise CommandError(f"no valve with asset id {', '.join(unknown)}")
        if segment.utility == "heat":
            if options["geojson"]:
                raise CommandError(_("--geojson is for gas mains; a heat trace prints only"))
            self._heat(segment, frozenset(seized.values()))
            return
        result = isolation_for_segment(
            segment_id=segment.id, seized_valve_ids=frozenset(seized.values())
        )
        names = dict(
            Valve.objects.filter(pk__in=result.valves_to_close).values_list("id", "asset_id")
        )
        self.stdout.write(
            f"damaged main {segment.asset_id} ({segment.get_pressure_class_display()})"
        )
        away: list[float | None] = [*result.valve_distances_m] or [None] * len(
            result.valves_to_close
        )
        for n, (valve, metres) in enumerate(zip(result.valves_to_close, away, strict=True), 1):
            far = f" ({metres:.0f} m from the main)" if metres is not None else ""
            self.stdout.write(f"  {n}. close valve {names[valve]}{far}")
        if result.sources_to_shut:
            stations = Source.objects.filter(pk__in=result.sources_to_shut).order_by("asset_id")
            listed = ", ".join(f"{s.name} ({s.asset_id})" for s in stations)
            self.stdout.write(f"  shut stations: {listed} (no valve can isolate)")
        premises = premise_ids_cut_off(result)
        self.stdout.write(
            f"  {len(result.isolated_segment_ids)} mains and {len(premises)} premises lose gas"
        )
        if options["geojson"]:
            options["geojson"].write_text(json.dumps(isolation_geojson(result), ensure_ascii=False))
            self.stdout.write(f"  GeoJSON written to {options['geojson']}")

    def _heat(self, segment: PipeSegment, seized: frozenset[int]) -> None:
        result = heat_isolation_for_segment(segment_id=segment.id, seized_valve_ids=seized)
        self.stdout.write(
            _("damaged heat pipe %(pipe)s (%(circuit)s, %(level)s network)")
            % {
                "pipe": segment.asset_id,
                "circuit": segment.get_circuit_display(),
                "level": _("primary") if result.level == "primary" else _("secondary"),
            }
        )
        for line in heat_lines(result):
            self.stdout.write(line)


def heat_lines(result: HeatIsolation) -> list[str]:
    """The heat trace as lines of text: each circuit's valves in closing order, then the
    stations to shut and what loses heat."""
    valve_ids = [*result.supply.valves_to_close, *result.back.valves_to_close]
    names = dict(Valve.objects.filter(pk__in=valve_ids).values_list("id", "asset_id"))
    pipes = dict(
        PipeSegment.objects.filter(
            pk__in=[
                p for p in (result.supply.traced_segment_id, result.back.traced_segment_id) if p
            ]
        ).values_list("id", "asset_id")
    )
    lines = []
    for on, title in ((result.supply, _("supply")), (result.back, _("return"))):
        traced = pipes.get(on.traced_segment_id or 0)
        if traced is None:
            lines.append(
                "  " + _("%(circuit)s: no pipe traced (no twin found)") % {"circuit": title}
            )
            continue
        lines.append("  " + _("%(circuit)s, pipe %(pipe)s:") % {"circuit": title, "pipe": traced})
        away: list[float | None] = [*on.valve_distances_m] or [None] * len(on.valves_to_close)
        for n, (valve, metres) in enumerate(zip(on.valves_to_close, away, strict=True), 1):
            far = " " + _("(%(m).0f m from the pipe)") % {"m": metres} if metres is not None else ""
            lines.append(f"    {n}. " + _("close valve %(valve)s") % {"valve": names[valve]} + far)
        lines.append(
            "    " + _("%(count)d pipes lose supply") % {"count": len(on.isolated_segment_ids)}
        )
    if result.stations_to_shut:
        stations = Source.objects.filter(pk__in=result.stations_to_shut).order_by("asset_id")
        listed = ", ".join(f"{s.name} ({s.asset_id})" for s in stations)
        lines.append("  " + _("shut stations: %(list)s (no valve can isolate)") % {"list": listed})
    dark = Source.objects.filter(pk__in=result.substations_without_heat).order_by("asset_id")
    lines.append(
        "  "
        + _("%(subs)d substations and %(premises)d buildings without heat")
        % {
            "subs": len(result.substations_without_heat),
            "premises": len(result.premise_ids_without_heat),
        }
    )
    if result.substations_without_heat:
        lines.append("    " + ", ".join(f"{s.name} ({s.asset_id})" for s in dark))
    return lines
