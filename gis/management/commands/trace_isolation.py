import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from gis.models import PipeSegment, Valve
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
        for n, valve in enumerate(result.valves_to_close, start=1):
            self.stdout.write(f"  {n}. close valve {names[valve]}")
        if result.sources_to_shut:
            self.stdout.write(f"  shut stations: {result.sources_to_shut} (no valve can isolate)")
        premises = premise_ids_cut_off(result)
        self.stdout.write(
            f"  {len(result.isolated_segment_ids)} mains and {len(premises)} premises lose gas"
        )
        if options["geojson"]:
            options["geojson"].write_text(json.dumps(isolation_geojson(result), ensure_ascii=False))
            self.stdout.write(f"  GeoJSON written to {options['geojson']}")
