"""Mapping files an administrator writes without reading code: choices by code or label, value
tables, "means unknown" lists, units, defaults, row filters, --describe, and the Esri mapping.

Every file is real: GeoJSON written from known lon/lat, turned into a GeoPackage or a Shapefile
by GDAL's own ogr2ogr, then imported through `network_import` or the command.
"""

import json
import subprocess
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.gis.gdal import DataSource
from django.core.management import call_command
from django.core.management.base import CommandError

from gis.importing import ImportReport, MappingError, mapping_load, network_import
from gis.models import PipeSegment, Road, Valve

Json = dict[str, Any]
MAPPINGS = Path(__file__).resolve().parents[2] / "gis" / "mappings"
VALID_MATERIALS = (
    "pe (Polyethylene), steel (Steel), cast_iron (Cast iron), ductile_iron (Ductile iron), "
    "copper (Copper), other (Other)"
)


def _line(n: int, lon: float = 117.2, lat: float = 39.1) -> Json:
    y = lat + n * 1e-4
    return {"type": "LineString", "coordinates": [[lon, y], [lon + 0.001, y]]}


def _point(n: int, lon: float = 117.2, lat: float = 39.1) -> Json:
    return {"type": "Point", "coordinates": [lon + n * 1e-4, lat]}


def _feature(geometry: Json, **properties: object) -> Json:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _write(
    tmp_path: Path, layer: str, features: list[Json], *, driver: str = "GPKG", epsg: int = 4326
) -> Path:
    """One layer in a new file, projected from WGS 84 into EPSG:`epsg`."""
    source = tmp_path / f"{layer}.geojson"
    source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    out = tmp_path / (f"{layer}.shp" if driver == "ESRI Shapefile" else f"{layer}.gpkg")
    subprocess.run(
        ["ogr2ogr", "-f", driver, str(out), str(source), "-nln", layer, "-t_srs", f"EPSG:{epsg}"],
        check=True,
        capture_output=True,
        timeout=30,
    )
    return out


def _mapping(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(text)
    return path


def _import(path: Path, mapping: Path) -> ImportReport:
    return network_import(path=path, mapping=mapping, progress=False)


def _reasons(report: ImportReport) -> dict[str | None, str]:
    return {p.asset_id: p.reason for p in report.rejects}


PIPES = """
[layers.mains]
target = "pipes"
[layers.mains.fields]
asset_id = "id"
material = "mat"
pressure_class = "pres"
"""


@pytest.mark.django_db
def test_choice_columns_take_our_code_in_any_case_and_the_label(tmp_path: Path) -> None:
    rows = [
        ("P-1", "PE", "MEDIUM"),
        ("P-2", "Polyethylene", "Low pressure"),
        ("P-3", " cast IRON ", "high"),
        ("P-4", "XYZ", "medium"),
    ]
    path = _write(
        tmp_path,
        "mains",
        [_feature(_line(n), id=a, mat=m, pres=p) for n, (a, m, p) in enumerate(rows)],
    )

    report = _import(path, _mapping(tmp_path, PIPES))

    pipes = PipeSegment.objects.order_by("asset_id")
    assert [(p.asset_id, p.material, p.pressure_class) for p in pipes] == [
        ("P-1", "pe", "medium"),
        ("P-2", "pe", "low"),
        ("P-3", "cast_iron", "high"),
    ]
    assert _reasons(report) == {
        "P-4": f"bad value for material: 'XYZ' is not one of: {VALID_MATERIALS}; "
        "translate it in [layers.mains.values.material]"
    }


@pytest.mark.django_db
def test_value_tables_empty_lists_and_defaults_turn_junk_into_unknown(tmp_path: Path) -> None:
    rows = [
        # id, material, pressure, zone, install year
        ("P-1", "pe100", "MP", "'block'", "UNK"),
        ("P-2", "'block'", "mp", "north", "1998"),
        ("P-3", "<null>", "-", "n/a", "2004"),
        ("P-4", "PE100", "", "<Null>", "-"),
    ]
    path = _write(
        tmp_path,
        "mains",
        [
            _feature(_line(n), id=a, mat=m, pres=p, zone=z, year=y)
            for n, (a, m, p, z, y) in enumerate(rows)
        ],
    )
    mapping = _mapping(
        tmp_path,
        """
        empty = ["UNK", "<Null>"]  # every layer

        [layers.mains]
        target = "pipes"
        empty = ["-", "N/A"]  # this layer, besides the ones above
        defaults = { material = "other" }
        [layers.mains.fields]
        asset_id = "id"
        material = "mat"
        pressure_class = "pres"
        zone = "zone"
        install_year = "year"
        [layers.mains.values.material]
        PE100 = "pe"
        "'block'" = ""
        [layers.mains.values.pressure_class]
        MP = "medium"
        [layers.mains.values.zone]
        "'BLOCK'" = ""
        """,
    )

    report = _import(path, mapping)

    rows_stored = {
        p.asset_id: (p.material, p.pressure_class, p.zone, p.install_year)
        for p in PipeSegment.objects.all()
    }
    assert rows_stored == {
        "P-1": ("pe", "medium", "", None),  # table key in another case; junk zone is blank
        "P-2": ("other", "medium", "north", 1998),  # junk material takes the default
    }
    assert _reasons(report) == {
        "P-3": "bad value for pressure_class: a value is required; "
        "give one in [layers.mains.defaults]",
        "P-4": "bad value for pressure_class: a value is required; "
        "give one in [layers.mains.defaults]",
    }


@pytest.mark.django_db
def test_units_convert_inches_feet_and_mph_and_values_may_carry_their_unit(
    tmp_path: Path,
) -> None:
    sizes = [8, 0.75, '3/4"', "1 1/4 in", "200mm", "2.5", 0]
    mains = _write(
        tmp_path,
        "mains",
        [_feature(_line(n), id=f"P-{n}", size=str(s), pres="low") for n, s in enumerate(sizes)],
    )
    roads = _write(
        tmp_path,
        "streets",
        [
            _feature(_line(0), id="R-1", name="Main St", mph=25),
            _feature(_line(1), id="R-2", name="Oak Ave", mph=None),
        ],
    )
    mapping = _mapping(
        tmp_path,
        """
        [layers.mains]
        target = "pipes"
        fields = { asset_id = "id", diameter_mm = "size", pressure_class = "pres" }
        units = { diameter_mm = "inch" }
        values.diameter_mm = { "0" = "" }

        [layers.streets]
        target = "roads"
        fields = { asset_id = "id", name = "name", speed_kmh = "mph" }
        units = { speed_kmh = "mph" }
        defaults = { speed_kmh = 40 }  # our unit: km/h
        """,
    )

    first, second = _import(mains, mapping), _import(roads, mapping)

    assert first.rejects == second.rejects == []
    diameters = dict(PipeSegment.objects.values_list("asset_id", "diameter_mm"))
    # 8 in = 203.2 mm; 3/4 in = 19.05; 1 1/4 in = 31.75; 200mm says its unit; 2.5 in = 63.5
    assert diameters == {
        "P-0": 203,
        "P-1": 19,
        "P-2": 19,
        "P-3": 32,
        "P-4": 200,
        "P-5": 64,
        "P-6": None,
    }
    assert dict(Road.objects.values_list("asset_id", "speed_kmh")) == {"R-1": 40, "R-2": 40}


@pytest.mark.django_db
def test_feet_convert_and_a_value_in_the_wrong_unit_is_rejected(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "valves",
        [
            _feature(_point(0), id="V-1", size=1.5),
            _feature(_point(1), id="V-2", size="30 mph"),
            _feature(_point(2), id="V-3", size="2 furlongs"),
        ],
    )
    mapping = _mapping(
        tmp_path,
        """
        [layers.valves]
        target = "valves"
        fields = { asset_id = "id", diameter_mm = "size" }
        units = { diameter_mm = "ft" }
        """,
    )

    report = _import(path, mapping)

    assert Valve.objects.get().diameter_mm == 457  # 1.5 ft = 457.2 mm
    assert _reasons(report) == {
        "V-2": "bad value for diameter_mm: '30 mph' is a speed, diameter_mm a length",
        "V-3": "bad value for diameter_mm: '2 furlongs': unknown unit 'furlongs' "
        "(use one of mm, cm, m, in, ft)",
    }


@pytest.mark.django_db
def test_filter_keeps_one_utility_and_exclude_skips_removed_rows(tmp_path: Path) -> None:
    # One export holding water, heat and gas mains; phase is a number column, kind a text one.
    rows = [
        ("P-1", "Gas", 1.0, "1", "Active"),
        ("P-2", " GAS ", 1.0, "1", "Removed"),
        ("P-3", "Water", 1.0, "1", "Active"),
        ("P-4", "heat", 1.0, "1", "Active"),
        ("P-5", "natural gas", 2.0, "1", "Active"),
        ("P-6", "gas", 1.0, "2", "Active"),
        ("P-7", "Gas", 1.0, "1.0", "removed"),
        ("P-8", "Gas", 1.0, "1", None),
    ]
    path = _write(
        tmp_path,
        "pipelines",
        [
            _feature(_line(n), id=a, utility=u, phase=p, kind=k, life=s)
            for n, (a, u, p, k, s) in enumerate(rows)
        ],
    )
    mapping = _mapping(
        tmp_path,
        """
        [layers.pipelines]
        target = "pipes"
        fields = { asset_id = "id" }
        constants = { pressure_class = "low" }
        [layers.pipelines.filter]  # each field must hold one of its values
        UTILITY = ["Gas", "Natural Gas"]
        phase = 1
        kind = [1]
        [layers.pipelines.exclude]  # any field holding one of its values skips the row
        LIFE = ["Removed", ""]
        """,
    )

    report = _import(path, mapping)

    assert set(PipeSegment.objects.values_list("asset_id", flat=True)) == {"P-1"}
    assert report.counts["pipes"].created == 1
    assert report.counts["pipes"].skipped == 7
    assert report.rejects == []


@pytest.mark.django_db
def test_a_filter_field_the_layer_lacks_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "pipelines", [_feature(_line(0), id="P-1")])
    mapping = _mapping(
        tmp_path,
        """
        [layers.pipelines]
        target = "pipes"
        fields = { asset_id = "id" }
        constants = { pressure_class = "low" }
        filter = { UTILITY = ["Gas"] }
        """,
    )

    with pytest.raises(CommandError, match=r"has no field UTILITY \(in the filter\); its fields"):
        call_command("import_network", str(path), "--mapping", str(mapping), "--no-progress")
    assert not PipeSegment.objects.exists()


LAYER = """
[layers.mains]
target = "pipes"
fields = { asset_id = "id", material = "mat", diameter_mm = "dn", pressure_class = "p" }
"""


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (
            'units = { diameter_mm = "furlong" }',
            "layer 'mains': units.diameter_mm: unknown unit 'furlong' for diameter_mm "
            "(a length; use one of mm, cm, m, in, ft)",
        ),
        (
            'units = { material = "in" }',
            "units.material: material takes no unit (only columns ending in _mm or _kmh do)",
        ),
        (
            'units = { install_year = "in" }',
            "values, units or defaults given for install_year, which no source field feeds",
        ),
        (
            'defaults = { material = "plastic" }',
            f"layer 'mains': defaults.material: 'plastic' is not one of: {VALID_MATERIALS}",
        ),
        (
            'defaults = { diameter_mm = "wide" }',
            "defaults.diameter_mm: “wide” value must be an integer.",
        ),
        ('defaults = { asset_id = "X" }', "asset_id takes no default: rows are matched on it"),
        ('defaults = { material = "" }', "defaults.material is empty"),
        (
            'values.material = { "PE100" = "plastic" }',
            "values.material: 'PE100' = 'plastic': 'plastic' is not one of: pe (Polyethylene)",
        ),
        (
            'values.material = { "PE" = "pe", " pe " = "steel" }',
            "values.material has 'PE' and ' pe ', which match the same source values",
        ),
        ("filter = { UTILITY = [] }", "filter.UTILITY lists no values"),
        ('filter = { UTILITY = [["Gas"]] }', "filter.UTILITY takes texts or numbers"),
        ("exclude = { a = 1, A = 2 }", "exclude names a twice (A)"),
        ("empty = [{ x = 1 }]", "layer 'mains': empty takes texts or numbers"),
        (
            '[layers.mains.values.material]\nPE100 = "pe"\nempty = ["UNK"]',
            "values.material.empty must be a value, got ['UNK'] (empty belongs at the top",
        ),
        ("filters = { a = 1 }", "unknown keys filters (a layer takes constants, defaults"),
    ],
)
def test_mapping_mistakes_are_refused_at_load_saying_what_to_fix(
    tmp_path: Path, extra: str, message: str
) -> None:
    path = _mapping(tmp_path, LAYER + extra + "\n")

    with pytest.raises(MappingError) as refused:
        mapping_load(path=path)

    assert message in str(refused.value)
    assert str(refused.value).startswith(f"{path}: ")


def test_a_bad_mapping_stops_the_command_before_reading_the_file(tmp_path: Path) -> None:
    path = _mapping(tmp_path, LAYER + 'units = { diameter_mm = "furlong" }\n')

    with pytest.raises(CommandError, match="unknown unit 'furlong' for diameter_mm"):
        call_command("import_network", str(tmp_path / "nowhere.gpkg"), "--mapping", str(path))


def test_describe_lists_every_column_with_its_valid_values_and_unit() -> None:
    out = StringIO()

    call_command("import_network", "--describe", stdout=out)

    text = out.getvalue()
    lines = [line.split() for line in text.splitlines()]
    for target in ("pipes", "valves", "sources", "premises", "roads", "landmarks"):
        assert any(line[:1] == [target] for line in lines), target
    assert ["cast_iron", "Cast", "iron"] in lines
    assert ["mall", "Shopping", "centre"] in lines
    assert "diameter_mm      whole number; unit: mm (mm, cm, m, in, ft); empty: null" in text
    assert "speed_kmh        whole number, 0 to 32767; unit: km/h (km/h, mph); empty: 30" in text
    assert "pressure_class   choice; required; empty values rejected" in text
    assert "default.toml" in text


def test_the_command_needs_a_file_unless_describing() -> None:
    with pytest.raises(CommandError, match=r"give the GIS file to import \(or --describe\)"):
        call_command("import_network")


# Manhattan, in NAD83 / New York Long Island (US survey feet), as a utility would export it.
NYC = {"lon": -73.985, "lat": 40.748}
STATE_PLANE_FEET = 2263


def _esri_import(tmp_path: Path, layer: str, features: list[Json]) -> ImportReport:
    path = _write(tmp_path, layer, features, driver="ESRI Shapefile", epsg=STATE_PLANE_FEET)
    return _import(path, MAPPINGS / "esri_gas.toml")


@pytest.mark.django_db
def test_esri_gas_mapping_reads_a_state_plane_shapefile_export(tmp_path: Path) -> None:
    def main(n: int, *values: object) -> Json:
        names = ("FACILITYID", "MATERIAL", "DIAMETER", "PRESSURE", "INSTALLDATE")
        return _feature(
            _line(n, **NYC), **dict(zip((*names, "LIFECYCLESTATUS"), values, strict=True))
        )

    mains = _esri_import(
        tmp_path,
        "DistributionMain",
        [
            main(0, "GM-1", "PE2406", 2.0, "IP", "1998-06-01", "Active"),
            main(1, "GM-2", "STL", 8.0, "HP", "1965-03-15", "Abandoned"),
            main(2, "GM-3", "<Null>", 0.0, "LP", None, "Proposed"),
            main(3, "GM-4", "CI", 6.0, "LP", "1931-01-01", "Removed"),
            main(4, "GM-5", "Cast Iron", 4.0, "Unknown", None, "Active"),
            main(5, "GM-6", "Bamboo", 4.0, "LP", None, "Active"),
        ],
    )
    shapefile = DataSource(str(tmp_path / "DistributionMain.shp"))[0]
    assert {"INSTALLDAT", "LIFECYCLES"} <= set(shapefile.fields)  # cut to 10 characters
    assert "foot" in str(shapefile.srs.units[1]).lower()

    stored = {
        p.asset_id: (p.material, p.diameter_mm, p.pressure_class, p.install_year, p.status)
        for p in PipeSegment.objects.all()
    }
    assert stored == {
        "GM-1": ("pe", 51, "medium", 1998, "in_service"),  # 2 in = 50.8 mm
        "GM-2": ("steel", 203, "high", 1965, "abandoned"),
        "GM-3": ("other", None, "low", None, "planned"),  # <Null> material: the default
        # Removed: kept as history, out of the trace (a main removed since the last import
        # leaves it on this one).
        "GM-4": ("cast_iron", 152, "low", 1931, "abandoned"),
    }
    assert _reasons(mains) == {
        "GM-5": "bad value for pressure_class: a value is required; "
        "give one in [layers.DistributionMain.defaults]",
        "GM-6": f"bad value for material: 'Bamboo' is not one of: {VALID_MATERIALS}; "
        "translate it in [layers.DistributionMain.values.material]",
    }
    assert (mains.counts["pipes"].created, mains.counts["pipes"].skipped) == (4, 0)
    start = PipeSegment.objects.get(asset_id="GM-1").geom.coords[0]
    assert start == pytest.approx((NYC["lon"], NYC["lat"]), abs=1e-6)

    def valve(n: int, *values: object) -> Json:
        names = ("FACILITYID", "VALVETYPE", "DIAMETER", "NORMALPOSITION", "OPERABLE")
        return _feature(
            _point(n, **NYC), **dict(zip((*names, "LIFECYCLESTATUS"), values, strict=True))
        )

    valves = _esri_import(
        tmp_path,
        "GasValve",
        [
            valve(0, "GV-1", "Gate", 4.0, "Open", "Y", "Active"),
            valve(1, "GV-2", "BV", 2.0, "Closed", "N", "Active"),
            valve(2, "GV-3", "Excess Flow", 1.0, "Open", "Y", "Active"),
            valve(3, "GV-4", "Plug", 6.0, "Open", "Y", "Proposed"),
            valve(4, "GV-5", "<Null>", 0.0, "<Null>", "unk", "Active"),
        ],
    )

    assert valves.rejects == []
    assert (valves.counts["valves"].created, valves.counts["valves"].skipped) == (3, 2)
    assert {
        v.asset_id: (v.valve_type, v.diameter_mm, v.normally_open, v.operable)
        for v in Valve.objects.all()
    } == {
        "GV-1": ("gate", 102, True, True),
        "GV-2": ("ball", 51, False, False),
        "GV-5": ("gate", None, True, True),  # unknown everything: the columns' own defaults
    }

    roads = _esri_import(
        tmp_path,
        "RoadCenterline",
        [
            _feature(
                _line(0, **NYC),
                CENTERLINEID="RC-1",
                FULLNAME="BROADWAY",
                ROADCLASS="Minor Arterial",
                SPEEDLIMIT=25,
            ),
            _feature(
                _line(1, **NYC),
                CENTERLINEID="RC-2",
                FULLNAME="W 34TH ST",
                ROADCLASS="local",
                SPEEDLIMIT=30,
            ),
        ],
    )

    assert roads.rejects == []
    assert "RegulatorStation" in roads.missing_layers  # one Shapefile, one layer
    assert {r.asset_id: (r.name, r.road_class, r.speed_kmh) for r in Road.objects.all()} == {
        "RC-1": ("BROADWAY", "arterial", 40),  # 25 mph
        "RC-2": ("W 34TH ST", "local", 48),  # 30 mph
    }
