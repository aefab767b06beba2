import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gis.models import PipeSegment, Source, Valve
from gis.selectors import isolation_for_segment, isolation_geojson, premise_ids_cut_off


class Command(BaseCommand):
    help = "Which valves isolate a damaged main, and which premises lose gas."

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
