import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from gis.importing import (
    DEFAULT_MAPPING,
    DatasetError,
    ImportReport,
    MappingError,
    mapping_load,
    network_import,
)


class Command(BaseCommand):
    """Import the network from a GIS file by asset id, listing every feature it refused."""

    help = "Import pipes, valves, sources, premises, roads and landmarks from a GIS file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, help="a .gpkg, .shp or .geojson file")
        parser.add_argument(
            "--mapping",
            type=Path,
            default=DEFAULT_MAPPING,
            help="TOML mapping of layers and fields (default: what export_network writes)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, write nothing"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument(
            "--rejects-csv", type=Path, help="also write the rejected features to this CSV file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        rejects_csv: Path | None = options["rejects_csv"]
        if rejects_csv is not None and not rejects_csv.resolve().parent.is_dir():
            # Checked first: finding out after a long import that the list cannot be saved
            # would be a waste.
            raise CommandError(f"--rejects-csv: no directory {rejects_csv.parent}")
        try:
            mapping = mapping_load(path=options["mapping"])
        except MappingError as exc:
            raise CommandError(
                f"bad mapping file {exc}. See {DEFAULT_MAPPING} for the format."
            ) from None
        try:
            report = network_import(
                path=options["path"],
                mapping=mapping,
                dry_run=options["dry_run"],
                progress=not options["no_progress"],
            )
        except DatasetError as exc:
            raise CommandError(
                f"{exc}. Give the path of a GeoPackage, Shapefile or GeoJSON file."
            ) from None
        except MappingError as exc:
            raise CommandError(
                f"mapping {options['mapping']} does not fit {options['path']}: {exc}"
            ) from None
        self._print(report)
        if rejects_csv is not None:
            try:
                _write_rejects(report, rejects_csv)
            except OSError as exc:
                raise CommandError(f"cannot write the rejects CSV: {exc}") from None
            self.stdout.write(f"{len(report.rejects)} rejects written to {rejects_csv}")

    def _print(self, report: ImportReport) -> None:
        self.stdout.write(report.summary())
        for problem in report.rejects:
            self.stdout.write(str(problem))
        for problem in report.warnings:
            self.stdout.write(f"warning: {problem}")


def _write_rejects(report: ImportReport, path: Path) -> None:
    # utf-8-sig: Excel, which is where these files get fixed, needs the BOM to read Chinese.
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file)
        writer.writerow(["layer", "row", "asset_id", "reason"])
        for p in report.rejects:
            writer.writerow([p.layer, p.row, p.asset_id or "", p.reason])
