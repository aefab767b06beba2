"""The column-at-a-time import path: pyogrio's own GDAL, chunks, vectorised geometry checks.

Files are written with pyogrio (GDAL 3.12, so GeoPackage 1.4 as current QGIS writes them), the
odd geometries as hand-made WKB, since that is what a GIS hands over.
"""

import json
import logging
import struct
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely

from gis.importing import (
    DEFAULT_MAPPING,
    DatasetError,
    ImportReport,
    MappingError,
    dataset_open,
    network_import,
    reader,
)
from gis.importing.reader import read_ahead
from gis.models import PipeSegment, Premise, Valve

# Every field the default mapping reads, apart from asset_id.
DEFAULTS: dict[str, dict[str, object]] = {
    "pipes": {
        "material": "pe",
        "diameter_mm": 200,
        "pressure_class": "medium",
        "zone": "",
        "install_year": None,
        "status": "in_service",
    },
    "valves": {"valve_type": "gate", "diameter_mm": 200, "operable": 1, "normally_open": 1},
    "premises": {
        **{f: "" for f in ("district", "road_name", "house_number", "building", "unit", "room")},
        **{"full_text": "友谊路1号", "full_text_en": "", "use": "residential", "meter_id": ""},
        "service_segment": None,
    },
}


def _write(
    path: Path, layer: str, geometries: list[bytes | None], fields: dict[str, list[object]]
) -> None:
    """One layer of a GeoPackage 1.4 in WGS 84, any geometry type allowed; the fields the
    default mapping reads and `fields` leaves out get a fixed value."""
    rows = len(geometries)
    fields = {name: [value] * rows for name, value in DEFAULTS[layer].items()} | fields
    arrays = [np.array(values, dtype=object) for values in fields.values()]
    pyogrio.raw.write(
        path,
        np.array(geometries, dtype=object),
        arrays,
        list(fields),
        layer=layer,
        driver="GPKG",
        geometry_type="Unknown",
        crs="EPSG:4326",
        dataset_options={"VERSION": "1.4"},
        append=path.exists(),
    )


def _pipes(path: Path, geometries: list[bytes | None], asset_ids: list[str | None]) -> None:
    _write(path, "pipes", geometries, {"asset_id": list(asset_ids)})


def _line(n: int) -> bytes:
    return shapely.to_wkb(shapely.LineString([(117.2, 39.1 + n * 1e-4), (117.21, 39.1 + n * 1e-4)]))


def _import(path: Path) -> ImportReport:
    return network_import(path=path, mapping=DEFAULT_MAPPING, progress=False)


def _assert_near(actual: tuple[float, ...], expected: tuple[float, float]) -> None:
    assert actual == pytest.approx(expected, abs=1e-9)


def _rejects(report: ImportReport) -> list[tuple[int, str | None, str]]:
    return [(p.row, p.asset_id, p.reason) for p in report.rejects]


@pytest.mark.django_db
def test_geopackage_1_4_imports_without_an_error_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "qgis.gpkg"
    _pipes(path, [_line(1)], ["P-1"])
    _write(path, "valves", [shapely.to_wkb(shapely.Point(117.2, 39.1))], {"asset_id": ["V-1"]})
    # A GeoPackage's version is the file header's user_version (bytes 60-63, big-endian).
    assert struct.unpack(">I", path.read_bytes()[60:64]) == (10400,)  # GeoPackage 1.4.0

    with caplog.at_level(logging.WARNING):
        report = _import(path)

    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert (report.counts["pipes"].created, report.counts["valves"].created) == (1, 1)


@pytest.mark.django_db
def test_rows_keep_their_numbers_and_duplicates_are_caught_across_chunks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "CHUNK_ROWS", 3)
    point = shapely.to_wkb(shapely.Point(117.2, 39.1))
    path = tmp_path / "network.gpkg"
    ids = ["P-1", None, "P-3", "P-4", "P-1", "P-6", "P-7", "P-8"]
    _pipes(path, [_line(n) if n != 7 else point for n in range(1, 9)], ids)
    premises: dict[str, list[object]] = {
        "asset_id": [f"H-{n}" for n in range(1, 8)],
        "service_segment": ["P-3", "P-99", "P-8", None, "P-98", "P-1", ""],
    }
    _write(path, "premises", [point] * 7, premises)

    report = _import(path)

    assert _rejects(report) == [
        (2, None, "missing asset id"),
        (5, "P-1", "duplicate asset id (first at pipes row 1)"),
        (7, "P-7", "wrong geometry type: Point"),
    ]
    assert [(w.row, w.asset_id) for w in report.warnings] == [(2, "H-2"), (5, "H-5")]
    assert report.counts["pipes"].created == PipeSegment.objects.count() == 5
    links = dict(Premise.objects.values_list("asset_id", "service_segment__asset_id"))
    assert (links["H-1"], links["H-3"], links["H-6"]) == ("P-3", "P-8", "P-1")
    assert report.counts["premises"].created == 7


def _wkb(kind: int, *numbers: float, count: int | None = None) -> bytes:
    """Little-endian ISO WKB of a single-ring geometry: type, point count, coordinates."""
    body = struct.pack(f"<{len(numbers)}d", *numbers)
    return struct.pack("<BII", 1, kind, count if count is not None else 0) + body


@pytest.mark.django_db
def test_odd_geometries_are_flattened_or_refused_as_before(tmp_path: Path) -> None:
    path = tmp_path / "odd.gpkg"
    line_zm = _wkb(3002, 117.2, 39.1, 5.0, 1.0, 117.21, 39.1, 6.0, 2.0, count=2)
    single_part = shapely.to_wkb(
        shapely.MultiLineString([[(117.3, 39.2, 1.0), (117.31, 39.2, 1.0)]])
    )
    one_point = _wkb(2, 117.2, 39.1, count=1)
    arc = _wkb(8, 117.2, 39.1, 117.25, 39.15, 117.3, 39.1, count=3)  # a CircularString
    outside = shapely.to_wkb(shapely.LineString([(117.2, 39.1), (217.2, 39.1)]))
    _pipes(
        path,
        [line_zm, single_part, one_point, arc, outside, None],
        ["P-1", "P-2", "P-3", "P-4", "P-5", "P-6"],
    )

    report = _import(path)

    assert _rejects(report) == [
        (3, "P-3", "invalid geometry: Too few points in geometry component"),
        (5, "P-5", "invalid geometry: outside lon/lat range (is the layer's CRS right?)"),
        (6, "P-6", "empty geometry"),
    ]
    pipes = {p.asset_id: p.geom for p in PipeSegment.objects.all()}
    assert pipes["P-1"].coords == ((117.2, 39.1), (117.21, 39.1))
    assert pipes["P-2"].coords == ((117.3, 39.2), (117.31, 39.2))
    assert not pipes["P-1"].hasz
    assert not pipes["P-2"].hasz
    # GDAL hands an arc over as a line of many points through it (the old reader refused it).
    arc_points = pipes["P-4"].coords
    assert len(arc_points) > 10
    _assert_near(arc_points[0], (117.2, 39.1))
    _assert_near(arc_points[-1], (117.3, 39.1))


@pytest.mark.django_db
def test_reimport_rewrites_and_counts_as_updated_only_the_rows_that_changed(
    tmp_path: Path,
) -> None:
    first, second = tmp_path / "first.gpkg", tmp_path / "second.gpkg"
    _pipes(first, [_line(1), _line(2)], ["P-1", "P-2"])
    _write(second, "pipes", [_line(1), _line(2)], {"asset_id": ["P-1", "P-2"], "zone": ["", "z"]})
    _import(first)
    PipeSegment.objects.update(updated_at=datetime(2020, 1, 1, tzinfo=UTC))

    report = _import(second)

    counts = report.counts["pipes"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 1)
    stamps = dict(PipeSegment.objects.values_list("asset_id", "updated_at"))
    assert stamps["P-1"] == datetime(2020, 1, 1, tzinfo=UTC)  # the same values: left alone
    assert stamps["P-2"] > datetime(2020, 1, 1, tzinfo=UTC)
    assert PipeSegment.objects.get(asset_id="P-2").zone == "z"


@pytest.mark.django_db
def test_dry_run_of_a_chunked_layer_counts_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader, "CHUNK_ROWS", 2)
    path = tmp_path / "valves.gpkg"
    valves: dict[str, list[object]] = {"asset_id": [f"V-{n}" for n in range(5)]}
    _write(path, "valves", [shapely.to_wkb(shapely.Point(117.2, 39.1))] * 5, valves)

    report = network_import(path=path, mapping=DEFAULT_MAPPING, dry_run=True, progress=False)

    assert report.counts["valves"].created == 5
    assert not Valve.objects.exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("network.gpkg", b'<OGRVRTDataSource><OGRVRTLayer name="x"/></OGRVRTDataSource>'),
        ("pipes.shp", b'{"type": "FeatureCollection", "features": []}'),
        ("pipes.geojson", b"SQLite format 3\x00" + bytes(100)),
    ],
)
def test_a_file_that_is_not_what_its_suffix_says_is_refused_before_gdal_opens_it(
    tmp_path: Path, name: str, content: bytes
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DatasetError, match="GDAL cannot read it"):
        dataset_open(path=path)


def test_read_ahead_hands_over_the_producers_error_and_leaves_no_thread() -> None:
    def chunks() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("damaged chunk")

    before = threading.active_count()
    items = read_ahead(chunks())
    assert [next(items), next(items)] == [1, 2]
    with pytest.raises(ValueError, match="damaged chunk"):
        next(items)

    endless = read_ahead(iter(range(10**9)))
    assert [next(endless), next(endless)] == [0, 1]
    endless.close()  # the consumer stops early, as when the database refuses a chunk
    assert threading.active_count() == before


@pytest.mark.django_db
def test_a_null_written_as_the_largest_double_is_rejected_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "esri.gpkg"
    pyogrio.raw.write(
        path,
        np.array([_line(1), _line(2)], dtype=object),
        [np.array(["P-1", "P-2"], dtype=object), np.array([-1.7976931348623157e308, 8.0])],
        ["asset_id", "diameter_mm"],
        layer="pipes",
        driver="GPKG",
        geometry_type="LineString",
        crs="EPSG:4326",
    )
    mapping = tmp_path / "inches.toml"
    mapping.write_text(
        '[layers.pipes]\ntarget = "pipes"\nunits = { diameter_mm = "in" }\n'
        'constants = { pressure_class = "low" }\n'
        'fields = { asset_id = "asset_id", diameter_mm = "diameter_mm" }\n'
    )
    report = network_import(path=path, mapping=mapping, progress=False)
    assert [(p.asset_id, p.reason.split(":")[0]) for p in report.rejects] == [
        ("P-1", "bad value for diameter_mm")
    ]
    assert "not a size" in report.rejects[0].reason
    assert PipeSegment.objects.get().diameter_mm == 203


@pytest.mark.django_db
def test_a_table_without_geometry_is_refused_by_name(tmp_path: Path) -> None:
    table = tmp_path / "premises.csv"
    table.write_text("asset_id,full_text\nH-1,友谊路1号\n")
    mapping = tmp_path / "table.toml"
    mapping.write_text(
        '[layers.premises]\ntarget = "premises"\n'
        'fields = { asset_id = "asset_id", full_text = "full_text" }\n'
    )
    path = tmp_path / "attributes.gpkg"
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", str(path), str(table), "-nln", "premises"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    with pytest.raises(MappingError, match="premises has no geometry"):
        network_import(path=path, mapping=mapping, progress=False)


@pytest.mark.django_db
def test_shapefile_text_in_another_encoding_is_named_and_read_as_the_mapping_says(
    tmp_path: Path,
) -> None:
    source = tmp_path / "pipes.geojson"
    line = {"type": "LineString", "coordinates": [[117.2, 39.1], [117.21, 39.1]]}
    feature = {"type": "Feature", "properties": {"asset_id": "主管1"}, "geometry": line}
    source.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    shapefile = tmp_path / "pipes.shp"
    subprocess.run(
        ["ogr2ogr", "-f", "ESRI Shapefile", str(shapefile), str(source), "-lco", "ENCODING=GBK"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    shapefile.with_suffix(".cpg").write_text("UTF-8")  # as a hand-made .cpg can lie
    mapping = tmp_path / "gbk.toml"
    mapping.write_text(
        '[layers.pipes]\ntarget = "pipes"\nconstants = { pressure_class = "low" }\n'
        'fields = { asset_id = "asset_id" }\n'
    )
    with pytest.raises(DatasetError, match='encoding = "GBK"'):
        network_import(path=shapefile, mapping=mapping, progress=False)

    mapping.write_text(
        mapping.read_text().replace('target = "pipes"', 'target = "pipes"\nencoding = "GBK"')
    )
    network_import(path=shapefile, mapping=mapping, progress=False)
    assert PipeSegment.objects.get().asset_id == "主管1"
