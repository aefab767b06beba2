"""network_import: upsert the features of a GIS file into the network tables."""

import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import shapely
from django.db import connection, transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from gis.importing.features import ChunkCleaner, geometries_check, layer_crs, wgs84_transformer
from gis.importing.mapping import (
    HEAT_STATION,
    TARGETS,
    TRANSFORMER,
    LayerMapping,
    MappingError,
    mapping_load,
)
from gis.importing.reader import (
    Chunk,
    Dataset,
    LayerInfo,
    dataset_open,
    layer_chunks,
    read_ahead,
)
from gis.importing.report import ImportReport, Problem, TargetCounts
from gis.importing.retire import assets_retire_missing
from gis.importing.writer import LayerWriter, StagedRow
from gis.nearest_main import NONE, MainFinder
from gis.network_split import mains_split_at_points
from gis.services import SERVICE_REACH_M, network_revision_bump, premise_connect_services

# The targets the trace's graph is made of: written, then split, before everything else.
NETWORK = frozenset({"pipes", "valves", "sources"})
# The power network's targets: written after the split (they are not cut), before premises.
POWER = frozenset({"power_lines", "power_devices", "power_substations"})

# (target, asset id) -> (layer, row) where it was first seen in this import
_Seen = dict[tuple[str, str], tuple[str, int]]


def network_import(
    *,
    path: Path | str,
    mapping: Path | str | Sequence[LayerMapping],
    dry_run: bool = False,
    progress: bool = True,
    retire_missing: bool = False,
) -> ImportReport:
    """Upsert every feature of a GIS file by asset id; report counts and rejected features.

    `retire_missing`: the file is the whole network; mains, valves and stations of a target it
    covers that it no longer holds are retired (gis.importing.retire)."""
    layer_mappings = (
        mapping_load(path=mapping) if isinstance(mapping, str | Path) else list(mapping)
    )
    dataset = dataset_open(path=path)
    report = ImportReport(path=str(path), dry_run=dry_run)
    plan = _plan(dataset, layer_mappings, report)
    seen: _Seen = {}
    # One transaction: a failure half-way leaves the network as it was, and a dry run is the
    # same import rolled back, so its counts are the real ones.
    with transaction.atomic():
        # One import at a time: the split and the nearest-main search read the whole network.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('network_import'))")
        network = [item for item in plan if item[0].target.name in NETWORK]
        for layer_mapping, layer in network:
            _import_layer(dataset, layer, layer_mapping, report, seen=seen, progress=progress)
        if retire_missing:
            report.retired = assets_retire_missing(kept=_held(network, seen, report))
        touched = {name for name, c in report.counts.items() if c.created or c.updated}
        touched |= {name for name, count in report.retired.items() if count}
        # Mains are cut where valves sit before the premises are written, so that each premise
        # is served by its part of a main from the start (written once, not written again).
        if touched & NETWORK:
            with report.timed("split"):
                report.split = mains_split_at_points(
                    imported={asset for target, asset in seen if target == "pipes"}
                )
        finder = MainFinder.build() if any(m.target.name == "premises" for m, _l in plan) else None
        for layer_mapping, layer in plan:
            if layer_mapping.target.name not in NETWORK:
                _import_layer(
                    dataset,
                    layer,
                    layer_mapping,
                    report,
                    seen=seen,
                    progress=progress,
                    finder=finder,
                )
        power = [item for item in plan if item[0].target.name in POWER]
        if retire_missing and power:
            report.retired |= assets_retire_missing(kept=_held(power, seen, report))
        touched = {name for name, c in report.counts.items() if c.created or c.updated}
        # Premises this file does not hold, or that lost their main: the nearest main too.
        if touched & {"pipes", "valves", "sources", "premises"}:
            with report.timed("connect"):
                report.premises_connected += premise_connect_services()
        if dry_run:
            transaction.set_rollback(True)
        elif report.changed or any(report.retired.values()):
            report.revision = network_revision_bump()
    return report


def _held(
    network: list[tuple[LayerMapping, LayerInfo]], seen: _Seen, report: ImportReport
) -> dict[str, set[str]]:
    """Asset ids the file holds per network target it covers: imported, or rejected (a row
    with a bad value is still in the utility's GIS); rows the filter skipped are not."""
    held: dict[str, set[str]] = {m.target.name: set() for m, _layer in network}
    for target, asset in seen:
        if target in held:
            held[target].add(asset)
    layers = {m.layer: m.target.name for m, _layer in network}
    for problem in report.rejects:
        if problem.layer in layers and problem.asset_id is not None:
            held[layers[problem.layer]].add(problem.asset_id)
    return held


def _plan(
    dataset: Dataset, layer_mappings: list[LayerMapping], report: ImportReport
) -> list[tuple[LayerMapping, LayerInfo]]:
    layers = dataset.layers
    mapped = {m.layer for m in layer_mappings}
    if not mapped & set(layers):
        raise MappingError(
            f"none of the mapping's layers ({', '.join(sorted(mapped))}) is in the file, "
            f"whose layers are: {', '.join(layers)}"
        )
    report.missing_layers = [m.layer for m in layer_mappings if m.layer not in layers]
    report.ignored_layers = [name for name in layers if name not in mapped]
    plan = [
        (m.bind(layers[m.layer].fields), layers[m.layer])
        for m in layer_mappings
        if m.layer in layers
    ]
    flat = [m.layer for m, info in plan if not info.has_geometry]
    if flat:
        raise MappingError(
            f"layer {', '.join(flat)} has no geometry (a table of attributes alone): map a "
            "layer of points or lines, or join the table to one in your GIS first"
        )
    plan.sort(key=lambda item: list(TARGETS).index(item[0].target.name))
    for layer_mapping, _layer in plan:
        report.counts.setdefault(layer_mapping.target.name, TargetCounts())
    return plan


def _import_layer(
    dataset: Dataset,
    layer: LayerInfo,
    layer_mapping: LayerMapping,
    report: ImportReport,
    *,
    seen: _Seen,
    progress: bool,
    finder: MainFinder | None = None,
) -> None:
    target = layer_mapping.target.name
    checker = _LayerChecker(layer, layer_mapping, report, seen, finder=finder)
    writer = LayerWriter(layer_mapping, checker.cleaner.columns, report)
    label = layer.name if layer.name == target else f"{layer.name} → {target}"
    with (
        report.timed(f"{target}.total"),
        tqdm(
            total=layer.features,
            desc=label,
            unit=" features",
            disable=not progress,
            file=sys.stderr,
        ) as bar,
        writer.staging(),
    ):
        # The next chunk is read and checked in a thread of its own while this one is written.
        for rows, size in read_ahead(_checked_chunks(dataset, layer, checker, report)):
            with report.timed(f"{target}.write"):
                writer.write(rows)
            bar.update(size)


def _checked_chunks(
    dataset: Dataset, layer: LayerInfo, checker: "_LayerChecker", report: ImportReport
) -> Iterator[tuple[list[StagedRow], int]]:
    """Each chunk's rows that pass, and how many rows the chunk had."""
    chunks = layer_chunks(
        dataset, layer, fields=checker.mapping.source_fields, encoding=checker.mapping.encoding
    )
    target = checker.target
    while True:
        with report.timed(f"{target}.read"):
            chunk = next(chunks, None)
        if chunk is None:
            return
        with report.timed(f"{target}.check"):
            rows = checker.rows(chunk)
        yield rows, len(chunk)


class _LayerChecker:
    """Which rows of a layer are staged, and why the others are rejected or skipped."""

    def __init__(
        self,
        layer: LayerInfo,
        layer_mapping: LayerMapping,
        report: ImportReport,
        seen: _Seen,
        *,
        finder: MainFinder | None = None,
    ) -> None:
        self.layer = layer.name
        self.finder = finder
        self.mapping = layer_mapping
        self.target = layer_mapping.target.name
        self.crs = layer_crs(layer.crs, layer_mapping.srid)
        self.transformer = wgs84_transformer(self.crs) if self.crs is not None else None
        self.cleaner = ChunkCleaner(layer_mapping)
        self.report = report
        self.counts = report.counts[self.target]
        self.seen = seen

    def rows(self, chunk: Chunk) -> list[StagedRow]:
        """The chunk's rows that pass every check, in order, ready to be COPYed."""
        wkb: np.ndarray | None = None
        geometry_problems: list[str | None] = []
        if self.crs is not None:
            wkb, geometry_problems = geometries_check(
                chunk.wkb, transformer=self.transformer, expected=self.mapping.target.geom_type
            )
        clean = self.cleaner.clean(chunk.columns, len(chunk))
        fields = self.mapping.source_fields
        staged: list[int] = []
        keeps = self.mapping.keeps
        for offset, raw in enumerate(zip(*(chunk.columns[f] for f in fields), strict=True)):
            if not keeps(dict(zip(fields, raw, strict=True))):
                self.counts.skipped += 1
                continue
            number = chunk.start + offset + 1
            asset_id = clean.asset_ids[offset]
            if self.crs is None:
                reason: str | None = _("unknown CRS")
            else:
                reason = (
                    clean.asset_problems[offset]
                    or geometry_problems[offset]
                    or clean.problems[offset]
                    or self._duplicate(asset_id, number)  # type: ignore[arg-type]
                )
            if reason is not None:
                problem = Problem(self.layer, number, asset_id, reason)
                self.report.reject(problem, target=self.target)
                continue
            staged.append(offset)
        if wkb is None or not staged:
            return []
        numbers = range(chunk.start + 1, chunk.start + len(chunk) + 1)
        # Premises also stage the transformer and heat substation they name (writer.py).
        extra = (
            [clean.other_refs[TRANSFORMER], clean.other_refs[HEAT_STATION]]
            if self.target == "premises"
            else []
        )
        rows = list(
            zip(
                numbers,
                clean.asset_ids,
                wkb,
                *clean.columns,
                clean.service_refs,
                *extra,
                strict=True,
            )
        )
        rows = rows if len(staged) == len(rows) else [rows[offset] for offset in staged]
        if self.target == "premises":
            # The main nearest each premise, found here in the reading thread, so the row is
            # written once with its service main (used when it names none that exists).
            rows = [(*row, main) for row, main in zip(rows, self._nearest(rows), strict=True)]
        return rows

    def _nearest(self, rows: list[StagedRow]) -> list[int]:
        if self.finder is None:
            return [NONE] * len(rows)
        points = shapely.from_wkb([row[2] for row in rows])
        found = self.finder.nearest(
            shapely.get_x(points), shapely.get_y(points), max_distance_m=SERVICE_REACH_M
        )
        return found.tolist()

    def _duplicate(self, asset_id: str, number: int) -> str | None:
        # A second row with the same asset id would make the upsert fail outright.
        first = self.seen.setdefault((self.target, asset_id), (self.layer, number))
        if first != (self.layer, number):
            return _("duplicate asset id (first at %(layer)s row %(row)d)") % {
                "layer": first[0],
                "row": first[1],
            }
        return None
