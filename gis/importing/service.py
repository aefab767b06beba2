"""network_import: upsert the features of a GIS file into the network tables."""

import sys
from collections.abc import Sequence
from pathlib import Path

from django.contrib.gis.gdal import CoordTransform, DataSource, GDALException, SpatialReference
from django.contrib.gis.gdal.feature import Feature
from django.contrib.gis.gdal.layer import Layer
from django.db import transaction
from tqdm import tqdm

from gis.importing.features import RejectedError, Row, feature_asset_id, feature_row
from gis.importing.mapping import TARGETS, LayerMapping, MappingError, mapping_load
from gis.importing.report import ImportReport, Problem, TargetCounts
from gis.importing.writer import BatchWriter
from gis.network_split import mains_split_at_points
from gis.services import network_revision_bump, premise_connect_services

# The formats we are asked to read, by suffix, and the GDAL driver that must have opened them.
# Anything else is refused before GDAL sees it: settings silence gis.W001 on the promise that
# only local files in these formats are opened (a VRT, for one, can point at URLs).
DRIVERS = {".gpkg": "GPKG", ".shp": "ESRI Shapefile", ".geojson": "GeoJSON", ".json": "GeoJSON"}
WGS84 = 4326

# (target, asset id) -> (layer, row) where it was first seen in this import
_Seen = dict[tuple[str, str], tuple[str, int]]


class DatasetError(ValueError):
    """A file that cannot be read; the message says what to do."""


def dataset_open(*, path: Path | str) -> DataSource:
    """Open a local GeoPackage, Shapefile or GeoJSON file for reading."""
    path = Path(path)
    if not path.is_file():
        raise DatasetError(f"{path}: no such file")
    driver = DRIVERS.get(path.suffix.lower())
    if driver is None:
        raise DatasetError(f"{path}: give a .gpkg, .shp or .geojson file")
    try:
        source = DataSource(str(path))
    except GDALException:
        raise DatasetError(
            f"{path}: GDAL cannot read it (damaged, or not really a {driver} file)"
        ) from None
    if source.driver.name != driver:
        raise DatasetError(f"{path}: read as {source.driver.name}, expected {driver}")
    return source


def network_import(
    *,
    path: Path | str,
    mapping: Path | str | Sequence[LayerMapping],
    dry_run: bool = False,
    progress: bool = True,
) -> ImportReport:
    """Upsert every feature of a GIS file by asset id; report counts and rejected features."""
    layer_mappings = (
        mapping_load(path=mapping) if isinstance(mapping, str | Path) else list(mapping)
    )
    source = dataset_open(path=path)
    report = ImportReport(path=str(path), dry_run=dry_run)
    plan = _plan(source, layer_mappings, report)
    seen: _Seen = {}
    # One transaction: a failure half-way leaves the network as it was, and a dry run is the
    # same import rolled back, so its counts are the real ones.
    with transaction.atomic():
        for layer_mapping, layer in plan:
            _import_layer(layer, layer_mapping, report, seen=seen, progress=progress)
        touched = {name for name, c in report.counts.items() if c.created or c.updated}
        if touched & {"pipes", "valves", "sources"}:
            report.split = mains_split_at_points(
                imported={asset for target, asset in seen if target == "pipes"}
            )
        if touched & {"pipes", "valves", "sources", "premises"}:
            report.premises_connected = premise_connect_services()
        if dry_run:
            transaction.set_rollback(True)
        elif report.changed:
            report.revision = network_revision_bump()
    return report


def _plan(
    source: DataSource, layer_mappings: list[LayerMapping], report: ImportReport
) -> list[tuple[LayerMapping, Layer]]:
    layers = {layer.name: layer for layer in (source[i] for i in range(len(source)))}
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
    plan.sort(key=lambda item: list(TARGETS).index(item[0].target.name))
    for layer_mapping, _layer in plan:
        report.counts.setdefault(layer_mapping.target.name, TargetCounts())
    return plan


def _layer_srs(layer: Layer, srid: int | None) -> SpatialReference | None:
    """The CRS the layer declares, else the one the mapping names, else None."""
    return layer.srs or (SpatialReference(srid) if srid else None)


def _to_wgs84(srs: SpatialReference) -> CoordTransform | None:
    if srs.srid == WGS84:
        return None
    # Both ends in traditional GIS order (x = easting or longitude), which Django's
    # SpatialReference sets on GDAL 3; EPSG itself puts latitude and northing first.
    return CoordTransform(srs, SpatialReference(WGS84))


def _import_layer(
    layer: Layer,
    layer_mapping: LayerMapping,
    report: ImportReport,
    *,
    seen: _Seen,
    progress: bool,
) -> None:
    target = layer_mapping.target.name
    srs = _layer_srs(layer, layer_mapping.srid)
    transform = _to_wgs84(srs) if srs is not None else None
    writer = BatchWriter(layer_mapping, report)
    counts = report.counts[target]
    label = layer.name if layer.name == target else f"{layer.name} → {target}"
    bar = tqdm(
        layer, total=len(layer), desc=label, unit=" features", disable=not progress, file=sys.stderr
    )
    for number, feature in enumerate(bar, start=1):
        if not layer_mapping.keeps({f: feature.get(f) for f in layer_mapping.source_fields}):
            counts.skipped += 1
            continue
        try:
            if srs is None:
                raise RejectedError("unknown CRS", _asset_id_or_none(feature, layer_mapping))
            row = feature_row(feature, number=number, mapping=layer_mapping, transform=transform)
            _check_unique(row, layer.name, target, seen)
        except RejectedError as exc:
            problem = Problem(layer.name, number, exc.asset_id, exc.reason)
            report.reject(problem, target=target)
            continue
        writer.add(row)
    writer.flush()


def _asset_id_or_none(feature: Feature, layer_mapping: LayerMapping) -> str | None:
    try:
        return feature_asset_id(feature, mapping=layer_mapping)
    except RejectedError:
        return None


def _check_unique(row: Row, layer: str, target: str, seen: _Seen) -> None:
    # A second row with the same asset id would make the batch's upsert fail outright.
    first = seen.setdefault((target, row.asset_id), (layer, row.number))
    if first != (layer, row.number):
        raise RejectedError(
            f"duplicate asset id (first at {first[0]} row {first[1]})", row.asset_id
        )
