import csv
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import models

from gis.importing import (
    DEFAULT_MAPPING,
    TARGETS,
    DatasetError,
    ImportReport,
    MappingError,
    mapping_load,
    network_import,
)
from gis.importing.mapping import REFERENCE_NOTES, SERVICE_SEGMENT, Target
from gis.importing.values import column_dimension, value_limits


class Command(BaseCommand):
    """Import the network from a GIS file by asset id, listing every feature it refused."""

    help = "Import pipes, valves, sources, premises, roads and landmarks from a GIS file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("path", type=Path, nargs="?", help="a .gpkg, .shp or .geojson file")
        parser.add_argument(
            "--describe",
            action="store_true",
            help="list every table and column a mapping can feed, with valid values and units",
        )
        parser.add_argument(
            "--mapping",
            type=Path,
            default=DEFAULT_MAPPING,
            help="TOML mapping of layers and fields (default: what export_network writes)",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="check and count everything, write nothing"
        )
        parser.add_argument(
            "--retire-missing",
            action="store_true",
            help="the file is the whole network: mains it no longer holds are marked abandoned, "
            "valves and stations deleted (per target the mapping covers)",
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bars")
        parser.add_argument(
            "--rejects-csv", type=Path, help="also write the rejected features to this CSV file"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["describe"]:
            self.stdout.write(targets_describe())
            return
        if options["path"] is None:
            raise CommandError("give the GIS file to import (or --describe)")
        rejects_csv: Path | None = options["rejects_csv"]
        if rejects_csv is not None and not rejects_csv.resolve().parent.is_dir():
            # Checked first: finding out after a long import that the list cannot be saved
            # would be a waste.
            raise CommandError(f"--rejects-csv: no directory {rejects_csv.parent}")
        try:
            mapping = mapping_load(path=options["mapping"])
        except MappingError as exc:
            raise CommandError(
                f"bad mapping file {str(exc).rstrip('.')}. See {DEFAULT_MAPPING} for the format."
            ) from None
        try:
            report = network_import(
                path=options["path"],
                mapping=mapping,
                dry_run=options["dry_run"],
                progress=not options["no_progress"],
                retire_missing=options["retire_missing"],
            )
        except DatasetError as exc:
            raise CommandError(str(exc)) from None  # each says what to do
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


def targets_describe() -> str:
    """Every target table and the columns a mapping feeds: type, units, empty, valid values."""
    lines = [
        "What a mapping can feed: [layers.<name>] target = one of the tables below, and",
        '[layers.<name>.fields] <column> = "<source field>". Every key of the format, with',
        f"an example, is in the header of {DEFAULT_MAPPING.name} in {DEFAULT_MAPPING.parent};",
        "esri_gas.toml beside it maps an Esri-style gas utility export, wntr_heat.toml a",
        "district-heating network, pandapower_power.toml a power distribution grid.",
        "",
        "choice: the code or the label, in any case; other source values need a value table",
        '  ([layers.<name>.values.<column>] "source value" = "code").',
        'unit: the source\'s unit goes in [layers.<name>.units] <column> = "in"; values that',
        '  carry their own unit (8 in, 3/4", 200mm, 25 mph) are converted too; then rounded.',
        "empty: what an empty source value becomes (also one the layer's `empty` list or a",
        '  value table maps to ""), unless [layers.<name>.defaults] gives a default.',
        "required: the mapping must feed it, from a source field or a constant.",
    ]
    for target in TARGETS.values():
        lines += ["", f"{target.name}  ({target.geom_type} geometry; rows matched on asset_id)"]
        for name, field in target.columns.items():
            lines += _column_lines(target, name, field)
    return "\n".join(lines) + "\n"


def _column_lines(target: Target, name: str, field: models.Field) -> list[str]:
    if target.name == "premises" and name in REFERENCE_NOTES:
        return [f"  {name:<17}{REFERENCE_NOTES[name]}"]
    notes = [_kind(field)]
    dimension = column_dimension(field)
    if dimension is not None:
        notes.append(f"unit: {dimension.stores} ({dimension.spellings()})")
    if name.endswith("_year"):
        notes.append("a date gives its year")
    notes.append(_empty(target, name, field))
    lines = [f"  {name:<17}{'; '.join(notes)}"]
    lines += [f"{'':21}{code:<15}{label}" for code, label in field.flatchoices]
    return lines


def _kind(field: models.Field) -> str:
    if field.flatchoices:
        return "choice"
    if isinstance(field, models.ForeignKey):
        return "asset id of the pipe serving it"
    if isinstance(field, models.BooleanField):
        return "yes/no (true/false, yes/no, y/n, t/f, 1/0)"
    low, high = value_limits(field)
    if isinstance(field, models.IntegerField):
        return f"whole number, {low} to {high}" if high and high < 2**31 - 1 else "whole number"
    if isinstance(field, models.CharField):
        return f"text, up to {high} characters"
    return type(field).__name__


def _empty(target: Target, name: str, field: models.Field) -> str:
    if name == "asset_id":
        return "required, unique"
    if name == SERVICE_SEGMENT:
        return "empty: connected to the nearest in-service main after the import"
    if name in target.derived:
        return "empty: computed from the kind"
    if field.null:
        return "empty: null (unknown)"
    if field.has_default():
        default = field.get_default()
        return f"empty: {str(default).lower() if isinstance(default, bool) else default}"
    if field.blank:
        return "empty: blank"
    return "required; empty values rejected"


def _write_rejects(report: ImportReport, path: Path) -> None:
    # utf-8-sig: Excel, which is where these files get fixed, needs the BOM to read Chinese.
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.writer(file)
        writer.writerow(["layer", "row", "asset_id", "reason"])
        for p in report.rejects:
            writer.writerow([p.layer, p.row, p.asset_id or "", p.reason])
