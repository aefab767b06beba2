"""import_network and export_network against real files made by GDAL's own ogr2ogr.

Every dataset starts as GeoJSON written from known WGS 84 lon/lat; ogr2ogr projects it into the
CRS under test, so reading it back must land on the very same lon/lat.
"""

import csv
import json
import math
import re
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.gdal import DataSource
from django.contrib.gis.geos import Polygon
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from gis.address import search_key
from gis.importing import DEFAULT_MAPPING, ImportReport, network_import
from gis.models import Landmark, NetworkRevision, OrgUnit, PipeSegment, Premise, Road, Source, Valve
from gis.services import network_revision_bump, org_unit_create

Json = dict[str, Any]
DEGREES = 1e-6  # about 0.1 m: far below any survey error, far above PROJ's round-trip noise


def _line(*points: tuple[float, float]) -> Json:
    return {"type": "LineString", "coordinates": [list(p) for p in points]}


def _point(lon: float, lat: float) -> Json:
    return {"type": "Point", "coordinates": [lon, lat]}


def _feature(geometry: Json | None, **properties: object) -> Json:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


# Every field the default mapping reads, so that test files look like an export.
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
    "sources": {"name": "Hexi RS", "kind": "regulator", "pressure_class": "medium", "zone": ""},
    "premises": {
        "district": "河西区",
        "road_name": "友谊路",
        "house_number": "",
        "building": "",
        "unit": "",
        "room": "",
        "full_text": "河西区友谊路",
        "full_text_en": "",
        "use": "residential",
        "meter_id": "",
        "service_segment": None,
    },
    "roads": {
        "name": "友谊路",
        "name_en": "Youyi Road",
        "district": "河西区",
        "road_class": "local",
        "speed_kmh": 30,
    },
    "landmarks": {"name": "第一中学", "name_en": "", "kind": "school", "sensitive": None},
}


def _row(layer: str, asset_id: str | None, geometry: Json | None, **properties: object) -> Json:
    return _feature(geometry, asset_id=asset_id, **{**DEFAULTS[layer], **properties})


def _pipe(asset_id: str | None, geometry: Json | None, **properties: object) -> Json:
    return _row("pipes", asset_id, geometry, **properties)


def _ogr2ogr(*args: str) -> None:
    subprocess.run(["ogr2ogr", *args], check=True, capture_output=True, timeout=30)


def _gpkg(tmp_path: Path, layers: dict[str, list[Json]], *, epsg: int = 4326) -> Path:
    """A GeoPackage with one layer per entry, projected from WGS 84 into EPSG:`epsg`."""
    tmp_path.mkdir(exist_ok=True)
    out = tmp_path / f"network-{epsg}.gpkg"
    out.unlink(missing_ok=True)
    for number, (layer, features) in enumerate(layers.items()):
        source = tmp_path / f"{layer}.geojson"
        source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        update = ["-update"] if number else []
        _ogr2ogr(
            "-f", "GPKG", *update, str(out), str(source), "-nln", layer, "-t_srs", f"EPSG:{epsg}"
        )
    return out


def _import(path: Path, **kwargs: Any) -> ImportReport:
    kwargs.setdefault("mapping", DEFAULT_MAPPING)
    return network_import(path=path, progress=False, **kwargs)


def _rejects(report: ImportReport) -> list[tuple[str, int, str | None, str]]:
    return [(p.layer, p.row, p.asset_id, p.reason) for p in report.rejects]


def _flat(coords: Any) -> list[float]:
    if isinstance(coords, int | float):
        return [float(coords)]
    return [value for item in coords for value in _flat(item)]


def _assert_coords(actual: Any, expected: Any) -> None:
    assert _flat(actual) == pytest.approx(_flat(expected), abs=DEGREES)


def _raw_coords(path: Path, layer: str) -> Any:
    """The coordinates of a layer's first feature as the file stores them."""
    geom: Any = next(iter(DataSource(str(path))[layer])).geom
    return geom.coords


def _revision() -> int:
    return NetworkRevision.objects.values_list("revision", flat=True).first() or 0


BAD_FILE: dict[str, list[Json]] = {
    "pipes": [
        _pipe("P-001", _line((117.0, 39.1), (117.01, 39.11)), diameter_mm="200"),
        _pipe("P-002", None),
        _pipe("P-003", {"type": "LineString", "coordinates": []}),
        _pipe("P-004", _line((117.2, 39.1), (117.2, 39.1))),
        _pipe(None, _line((117.2, 39.1), (117.21, 39.1))),
        _pipe("P-006", _line((117.2, 39.1), (117.21, 39.1)), diameter_mm="abc"),
        _pipe(
            "P-007", {"type": "MultiLineString", "coordinates": [[[117.3, 39.2], [117.31, 39.2]]]}
        ),
        _pipe("P-008", _point(117.2, 39.1)),
        _pipe(
            "P-009",
            {
                "type": "MultiLineString",
                "coordinates": [[[117.3, 39.2], [117.31, 39.2]], [[117.4, 39.2], [117.41, 39.2]]],
            },
        ),
    ],
    "valves": [
        _row("valves", "V-001", _point(117.0, 39.05)),
        _row("valves", "V-002", _line((117.2, 39.1), (117.21, 39.1))),
    ],
}


@pytest.mark.django_db
def test_bad_rows_are_listed_and_good_rows_imported(tmp_path: Path) -> None:
    path = _gpkg(tmp_path, BAD_FILE, epsg=4548)
    # The file really is in Gauss-Kruger metres, easting first: 117°E is the central meridian.
    x, y = _raw_coords(path, "pipes")[0]
    assert x == pytest.approx(500_000, abs=0.01)
    assert 4_300_000 < y < 4_400_000

    report = _import(path)

    rejects = [
        (layer, row, asset, re.sub(r"\[.*\]$", "", why))
        for layer, row, asset, why in _rejects(report)
    ]
    assert rejects == [
        ("pipes", 2, "P-002", "empty geometry"),
        ("pipes", 3, "P-003", "empty geometry"),
        ("pipes", 4, "P-004", "invalid geometry: Too few points in geometry component"),
        ("pipes", 5, None, "missing asset id"),
        ("pipes", 6, "P-006", "bad value for diameter_mm: “abc” value must be an integer."),
        ("pipes", 8, "P-008", "wrong geometry type: Point"),
        ("pipes", 9, "P-009", "wrong geometry type: MultiLineString with 2 parts"),
        ("valves", 2, "V-002", "wrong geometry type: LineString"),
    ]
    assert set(PipeSegment.objects.values_list("asset_id", flat=True)) == {"P-001", "P-007"}
    _assert_coords(
        PipeSegment.objects.get(asset_id="P-001").geom.coords, ((117.0, 39.1), (117.01, 39.11))
    )
    _assert_coords(
        PipeSegment.objects.get(asset_id="P-007").geom.coords, ((117.3, 39.2), (117.31, 39.2))
    )
    _assert_coords(Valve.objects.get(asset_id="V-001").geom.coords, (117.0, 39.05))
    assert PipeSegment.objects.get(asset_id="P-001").diameter_mm == 200
    assert report.counts["pipes"].created == 2
    assert report.counts["pipes"].rejected == 7
    assert report.counts["valves"].created == 1


@pytest.mark.django_db
@pytest.mark.parametrize("epsg", [4548, 4547, 3857])
def test_projected_layers_land_on_the_lon_lat_they_were_made_from(
    tmp_path: Path, epsg: int
) -> None:
    lon, lat = 117.2105, 39.0952  # Youyi Road, Hexi district
    path = _gpkg(
        tmp_path,
        {
            "pipes": [_pipe("P-1", _line((lon, lat), (lon + 0.002, lat + 0.001)))],
            "sources": [_row("sources", "S-1", _point(lon, lat))],
        },
        epsg=epsg,
    )
    if epsg == 3857:  # spherical Mercator has a closed form: the file is in metres, x first
        radius = 6_378_137
        x, y = _raw_coords(path, "sources")
        assert x == pytest.approx(radius * math.radians(lon), abs=0.01)
        assert y == pytest.approx(
            radius * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)), abs=0.01
        )

    report = _import(path)

    assert report.rejects == []
    _assert_coords(Source.objects.get(asset_id="S-1").geom.coords, (lon, lat))
    _assert_coords(PipeSegment.objects.get().geom.coords, ((lon, lat), (lon + 0.002, lat + 0.001)))


@pytest.mark.django_db
def test_reimport_updates_changed_rows_without_duplicates(tmp_path: Path) -> None:
    def pipes(diameter: int) -> dict[str, list[Json]]:
        return {
            "pipes": [
                _pipe("P-1", _line((117.2, 39.1), (117.21, 39.1)), diameter_mm=diameter),
                _pipe("P-2", _line((117.21, 39.1), (117.22, 39.1)), diameter_mm=100),
            ]
        }

    first = _import(_gpkg(tmp_path, pipes(200)))
    revision = _revision()

    again = _import(_gpkg(tmp_path, pipes(250)))

    assert (first.counts["pipes"].created, first.counts["pipes"].updated) == (2, 0)
    counts = again.counts["pipes"]
    assert (counts.created, counts.updated, counts.unchanged) == (0, 1, 1)
    assert PipeSegment.objects.count() == 2
    assert PipeSegment.objects.get(asset_id="P-1").diameter_mm == 250
    assert _revision() == revision + 1
    # The same file once more changes nothing: nothing counted as updated, the network's
    # revision (which makes every process rebuild its graph) left where it was.
    same = _import(_gpkg(tmp_path, pipes(250)))
    assert (same.counts["pipes"].updated, same.counts["pipes"].unchanged) == (0, 2)
    assert _revision() == revision + 1


@pytest.mark.django_db
def test_reimport_leaves_alone_the_columns_its_mapping_does_not_feed(tmp_path: Path) -> None:
    path = _gpkg(tmp_path, {"pipes": [_pipe("P-1", _line((117.2, 39.1), (117.21, 39.1)))]})
    _import(path)
    PipeSegment.objects.update(status=PipeSegment.Status.ABANDONED, zone="set by hand")
    diameters_only = tmp_path / "diameters.toml"
    diameters_only.write_text(
        """
        [layers.pipes]
        target = "pipes"
        fields = { asset_id = "asset_id", diameter_mm = "diameter_mm" }
        constants = { pressure_class = "low" }
        """
    )

    _import(path, mapping=diameters_only)

    pipe = PipeSegment.objects.get()
    assert (pipe.status, pipe.zone) == (PipeSegment.Status.ABANDONED, "set by hand")
    assert pipe.pressure_class == "low"


@pytest.mark.django_db
def test_dry_run_counts_everything_and_writes_nothing(tmp_path: Path) -> None:
    path = _gpkg(tmp_path, BAD_FILE, epsg=4548)
    revision = _revision()

    report = _import(path, dry_run=True)
    out = StringIO()
    call_command("import_network", str(path), "--dry-run", "--no-progress", stdout=out)

    assert report.counts["pipes"].created == 2
    assert report.counts["pipes"].rejected == 7
    assert len(report.rejects) == 8
    assert not PipeSegment.objects.exists()
    assert not Valve.objects.exists()
    assert _revision() == revision
    assert "dry run, nothing written" in out.getvalue()
    assert "pipes row 2 (asset P-002): empty geometry" in out.getvalue()


@pytest.mark.django_db
def test_import_writes_in_batches_not_row_by_row(tmp_path: Path) -> None:
    def pipes(count: int) -> Path:
        rows = [
            _pipe(f"P-{n}", _line((117.2, 39.1 + n * 1e-4), (117.21, 39.1 + n * 1e-4)))
            for n in range(count)
        ]
        return _gpkg(tmp_path / str(count), {"pipes": rows})

    few, many = pipes(3), pipes(1500)
    network_revision_bump()  # the revision row exists in any running system

    # The rows go through a staging table by COPY, then one upsert: as many statements for
    # 1,500 rows as for 3.
    with CaptureQueriesContext(connection) as for_few:
        _import(few)
    PipeSegment.objects.all().delete()
    with CaptureQueriesContext(connection) as for_many:
        report = _import(many)

    assert len(for_many) == len(for_few)
    assert report.counts["pipes"].created == PipeSegment.objects.count() == 1500


@pytest.mark.django_db
def test_layer_without_crs_is_rejected_unless_the_mapping_gives_srid(tmp_path: Path) -> None:
    source = tmp_path / "pipes.geojson"
    lines = [_line((117.2, 39.1), (117.21, 39.11)), _line((117.3, 39.1), (117.31, 39.11))]
    features = [_feature(g, asset_id=f"P-{n}", diameter_mm=150) for n, g in enumerate(lines)]
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    shapefile = tmp_path / "pipes.shp"
    _ogr2ogr("-f", "ESRI Shapefile", str(shapefile), str(source), "-t_srs", "EPSG:4548")
    shapefile.with_suffix(".prj").unlink()  # how such files usually reach us
    mapping = """
        [layers.pipes]
        target = "pipes"
        %s
        [layers.pipes.fields]
        asset_id = "asset_id"
        diameter_mm = "diameter_m"  # Shapefiles keep 10 characters of a field name
        [layers.pipes.constants]
        pressure_class = "medium"
    """
    without_srid = tmp_path / "without.toml"
    without_srid.write_text(mapping % "")
    with_srid = tmp_path / "with.toml"
    with_srid.write_text(mapping % "srid = 4548")

    refused = _import(shapefile, mapping=without_srid)
    assert _rejects(refused) == [
        ("pipes", 1, "P-0", "unknown CRS"),
        ("pipes", 2, "P-1", "unknown CRS"),
    ]
    assert not PipeSegment.objects.exists()

    accepted = _import(shapefile, mapping=with_srid)
    assert accepted.rejects == []
    pipe = PipeSegment.objects.get(asset_id="P-0")
    _assert_coords(pipe.geom.coords, ((117.2, 39.1), (117.21, 39.11)))
    assert (pipe.diameter_mm, pipe.pressure_class) == (150, "medium")


@pytest.mark.django_db
def test_premises_link_to_the_pipe_they_name_or_else_the_nearest_main(tmp_path: Path) -> None:
    address = "河西区 友谊路３２號"
    path = _gpkg(
        tmp_path,
        {
            "pipes": [
                _pipe("P-1", _line((117.2, 39.1), (117.201, 39.1))),
                _pipe("P-2", _line((117.3, 39.1), (117.301, 39.1))),
            ],
            "premises": [
                _row(
                    "premises",
                    "H-1",
                    _point(117.2005, 39.1003),
                    full_text=address,
                    service_segment="P-2",
                ),
                _row("premises", "H-2", _point(117.3005, 39.1003), full_text="友谊路34号"),
                _row("premises", "H-3", _point(117.2005, 39.1003), service_segment="P-9"),
            ],
        },
    )

    report = _import(path)

    links = dict(Premise.objects.values_list("asset_id", "service_segment__asset_id"))
    assert links == {"H-1": "P-2", "H-2": "P-2", "H-3": "P-1"}
    assert [(w.row, w.asset_id) for w in report.warnings] == [(3, "H-3")]
    assert report.premises_connected == 2
    assert (
        Premise.objects.get(asset_id="H-1").search_key == search_key(address) == "河西区友谊路32号"
    )


@pytest.mark.django_db
def test_landmark_sensitivity_follows_its_kind_unless_the_file_says(tmp_path: Path) -> None:
    landmarks = [
        _row("landmarks", "L-1", _point(117.2, 39.1), kind="school"),
        _row("landmarks", "L-2", _point(117.2, 39.1), kind="park"),
        _row("landmarks", "L-3", _point(117.2, 39.1), kind="park", sensitive="yes"),
    ]
    path = tmp_path / "landmarks.geojson"  # read as it is: GeoJSON is one of our formats
    path.write_text(json.dumps({"type": "FeatureCollection", "features": landmarks}))

    report = _import(path)

    assert report.counts["landmarks"].created == 3

    assert dict(Landmark.objects.values_list("asset_id", "sensitive")) == {
        "L-1": True,
        "L-2": False,
        "L-3": True,
    }


@pytest.mark.django_db
def test_mapping_translates_codes_and_values_outside_the_choices_are_rejected(
    tmp_path: Path,
) -> None:
    path = _gpkg(
        tmp_path,
        {
            "pipes": [
                _pipe("P-1", _line((117.2, 39.1), (117.21, 39.1)), material="钢"),
                _pipe("P-2", _line((117.2, 39.1), (117.21, 39.1)), material="plastic"),
                _pipe("P-1", _line((117.2, 39.1), (117.21, 39.1)), material="钢"),
            ]
        },
    )
    mapping = tmp_path / "utility.toml"
    mapping.write_text(
        """
        [layers.pipes]
        target = "pipes"
        fields = { asset_id = "asset_id", material = "material", pressure_class = "pressure_class" }
        values.material = { "钢" = "steel", "PE管" = "pe" }
        """
    )

    report = _import(path, mapping=mapping)

    assert _rejects(report) == [
        (
            "pipes",
            2,
            "P-2",
            "bad value for material: 'plastic' is not one of: pe (Polyethylene), steel (Steel), "
            "cast_iron (Cast iron), ductile_iron (Ductile iron), copper (Copper), other (Other); "
            "translate it in [layers.pipes.values.material]",
        ),
        ("pipes", 3, "P-1", "duplicate asset id (first at pipes row 1)"),
    ]
    assert PipeSegment.objects.get().material == PipeSegment.Material.STEEL


@pytest.mark.django_db
def test_command_prints_the_summary_and_every_reject(tmp_path: Path) -> None:
    path = _gpkg(tmp_path, BAD_FILE, epsg=4548)
    rejects_csv = tmp_path / "rejects.csv"
    out = StringIO()

    call_command(
        "import_network", str(path), "--no-progress", "--rejects-csv", str(rejects_csv), stdout=out
    )

    printed = out.getvalue()
    assert re.search(r"pipes\s+2\s+0\s+0\s+7", printed)
    assert "pipes row 2 (asset P-002): empty geometry" in printed
    assert "pipes row 5: missing asset id" in printed
    assert "valves row 2 (asset V-002): wrong geometry type: LineString" in printed
    with rejects_csv.open(encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    assert [(r["layer"], r["row"], r["asset_id"]) for r in rows][:2] == [
        ("pipes", "2", "P-002"),
        ("pipes", "3", "P-003"),
    ]
    assert len(rows) == 8


def test_export_then_import_into_an_empty_database_round_trips(
    transactional_db: None,  # ogr2ogr reads the database over its own connection; the fixture
    tmp_path: Path,  # (not the marker) gets serialized rollback, so later tests keep their data
) -> None:
    group = org_unit_create(code="g", name="Group", tier=OrgUnit.Tier.GROUP)
    org_unit_create(
        code="c",
        name="City",
        tier=OrgUnit.Tier.COMPANY,
        parent=group,
        territory=Polygon.from_bbox((117.1, 39.0, 117.3, 39.2)),
    )
    _import(
        _gpkg(
            tmp_path,
            {
                "pipes": [
                    _pipe(
                        "P-1", _line((117.2, 39.1), (117.201, 39.1)), diameter_mm=200, zone="hexi-1"
                    ),
                    _pipe("P-2", _line((117.3, 39.1), (117.301, 39.1))),
                ],
                "valves": [_row("valves", "V-1", _point(117.201, 39.1), operable=0)],
                "sources": [_row("sources", "S-1", _point(117.2, 39.1), pressure_class="high")],
                "premises": [
                    _row("premises", "H-1", _point(117.2005, 39.1003), house_number="32"),
                    _row("premises", "H-2", _point(117.2505, 39.1003), full_text="友谊路99号"),
                ],
                "roads": [_row("roads", "R-1", _line((117.2, 39.1), (117.25, 39.1)))],
                "landmarks": [_row("landmarks", "L-1", _point(117.2, 39.1))],
            },
        )
    )
    models = {
        "pipes": PipeSegment,
        "valves": Valve,
        "sources": Source,
        "premises": Premise,
        "roads": Road,
        "landmarks": Landmark,
    }
    before = {name: _snapshot(model) for name, model in models.items()}
    exported = tmp_path / "export.gpkg"

    call_command("export_network", str(exported), stdout=StringIO())

    source = DataSource(str(exported))
    assert {source[i].name for i in range(len(source))} == {*models, "org_units"}
    for model in models.values():
        model._default_manager.all().delete()
    report = _import(exported)

    assert report.rejects == []
    assert report.ignored_layers == ["org_units"]
    assert {name: c.created for name, c in report.counts.items()} == {
        name: len(rows) for name, rows in before.items()
    }
    for name, model in models.items():
        after = _snapshot(model)
        assert after.keys() == before[name].keys()
        for asset_id, (values, coords) in after.items():
            assert values == before[name][asset_id][0]
            _assert_coords(coords, before[name][asset_id][1])
    with pytest.raises(CommandError, match="--force"):
        call_command("export_network", str(exported), stdout=StringIO())
    call_command("export_network", str(exported), "--force", stdout=StringIO())


def _snapshot(model: Any) -> dict[str, tuple[dict[str, Any], Any]]:
    """Every row by asset id: its columns (without pk and clock) and its coordinates."""
    rows = {}
    for obj in model.objects.all():
        values = {
            f.attname: getattr(obj, f.attname)
            for f in model._meta.concrete_fields
            if f.name not in ("id", "geom", "updated_at", "service_segment")
        }
        if model is Premise:
            values["service"] = obj.service_segment.asset_id if obj.service_segment else None
        rows[obj.asset_id] = (values, obj.geom.coords)
    return rows


def test_missing_file_is_a_command_error(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_network", str(tmp_path / "nowhere.gpkg"), "--no-progress")


def test_unreadable_file_is_a_command_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.gpkg"
    broken.write_text("half a download")
    with pytest.raises(CommandError, match="GDAL cannot read it"):
        call_command("import_network", str(broken), "--no-progress")


def test_bad_mapping_file_is_a_command_error_saying_what_to_fix(tmp_path: Path) -> None:
    mapping = tmp_path / "bad.toml"
    mapping.write_text('[layers.pipes]\ntarget = "pipes"\nfields = { diameter_mm = "dn" }\n')
    with pytest.raises(CommandError, match="fields must map asset_id"):
        call_command("import_network", str(tmp_path / "x.gpkg"), "--mapping", str(mapping))
