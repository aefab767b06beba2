"""Valves drawn on unsplit mains: the import splits the mains, and every trace comes out as it
does on the same network drawn already split.

The network is a ladder of three long streets joined by cross mains, in metres near Tianjin:

    y=200  H2 ──v──┬──v─S┬──v──┬──v──┐      S: a station 2 m beside H2 (splits it)
                   │     v     │     │      v: valves, on the line or 0.4 m beside it
    y=100  H1 ──v──┼──v──┼──v──┼──v──┤
                   v     │     v     │
    y=0    H0 ──v──┴──v──┴──v──┴──v──┘      a station at H0's west end
          x=0    100   200   300   400

Drawn unsplit, each street is one line and each cross main ends on a street's middle (Esri's
"midspan connectivity"); drawn split, every main ends at every valve and junction.
"""

import json
import math
import subprocess
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from gis.importing import network_import
from gis.models import PipeSegment, Premise, Source, Valve
from gis.topology import network_graph_build
from gis.trace import isolation_trace

pytestmark = pytest.mark.django_db

Json = dict[str, Any]
LON0, LAT0 = 117.2, 39.1
M_LON = 1 / (111_320 * math.cos(math.radians(LAT0)))  # degrees of longitude in a metre
M_LAT = 1 / 110_950
STREETS = (0, 100, 200)
CROSS_X = (100, 200, 300, 400)
STREET_VALVES = (50, 150, 250, 350)
# (x, y of the cross main's middle) for valves on cross mains
CROSS_VALVES = ((100, 50), (300, 50), (200, 150))
STATION_ON_H2 = 210  # beside H2, 2 m north


def _lonlat(x: float, y: float) -> list[float]:
    return [LON0 + x * M_LON, LAT0 + y * M_LAT]


def _feature(asset_id: str, geometry: Json, **properties: object) -> Json:
    return {
        "type": "Feature",
        "properties": {"asset_id": asset_id, **properties},
        "geometry": geometry,
    }


def _line(asset_id: str, *points: tuple[float, float]) -> Json:
    coords = [_lonlat(x, y) for x, y in points]
    return _feature(asset_id, {"type": "LineString", "coordinates": coords})


def _point(asset_id: str, x: float, y: float, **properties: object) -> Json:
    return _feature(asset_id, {"type": "Point", "coordinates": _lonlat(x, y)}, **properties)


def _street_cuts(y: int, *, split: bool) -> list[int]:
    if not split:
        return []
    cuts = {*STREET_VALVES, *(x for x in CROSS_X if x < 400)}
    if y == 200:
        cuts.add(STATION_ON_H2)
    return sorted(cuts)


def _pipes(*, split: bool) -> list[Json]:
    pipes = []
    for y in STREETS:
        xs = [0, *_street_cuts(y, split=split), 400]
        pipes += [_line(f"H{y}-{a}", (a, y), (b, y)) for a, b in pairwise(xs)]
    for x in CROSS_X:
        for y in (0, 100):
            middle = [(x, y + 50)] if split and (x, y + 50) in CROSS_VALVES else []
            ys = [y, *(m[1] for m in middle), y + 100]
            pipes += [_line(f"V{x}-{a}", (x, a), (x, b)) for a, b in pairwise(ys)]
    return pipes


def _valves() -> list[Json]:
    valves = []
    for y in STREETS:
        for n, x in enumerate(STREET_VALVES):
            # Every other valve drawn a little beside the main, as digitising leaves them.
            valves.append(_point(f"VS{y}-{x}", x, y + (0.4 if n % 2 else 0.0)))
    valves += [_point(f"VC{x}-{y}", x + 0.3, y) for x, y in CROSS_VALVES]
    return valves


def _sources() -> list[Json]:
    return [
        _point("RS-WEST", -3, 0, name="West RS"),
        _point("RS-NORTH", STATION_ON_H2, 202, name="North RS"),
    ]


def _premises() -> list[Json]:
    spots = [(25, 8), (75, 108), (175, 192), (260, -9), (330, 112), (390, 208), (104, 140)]
    return [_point(f"PR{n}", x, y, full_text=f"测试路{n}号") for n, (x, y) in enumerate(spots, 1)]


MAPPING = """
[layers.pipes]
target = "pipes"
fields = { asset_id = "asset_id" }
constants = { pressure_class = "medium" }

[layers.valves]
target = "valves"
fields = { asset_id = "asset_id" }

[layers.sources]
target = "sources"
fields = { asset_id = "asset_id", name = "name" }
constants = { pressure_class = "medium" }

[layers.premises]
target = "premises"
fields = { asset_id = "asset_id", full_text = "full_text" }
"""


def _layers(path: Path, layers: dict[str, list[Json]]) -> Path:
    """A GeoPackage with these layers, in WGS 84."""
    path.unlink(missing_ok=True)
    for number, (layer, features) in enumerate(layers.items()):
        source = path.with_name(f"{layer}.geojson")
        source.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
        update = ["-update"] if number else []
        subprocess.run(
            ["ogr2ogr", "-f", "GPKG", *update, str(path), str(source), "-nln", layer],
            check=True,
            capture_output=True,
            timeout=30,
        )
    return path


def _gpkg(
    folder: Path,
    *,
    split: bool,
    valves: list[Json] | None = None,
    premises: list[Json] | None = None,
) -> Path:
    return _layers(
        folder / ("split.gpkg" if split else "unsplit.gpkg"),
        {
            "pipes": _pipes(split=split),
            "valves": _valves() if valves is None else valves,
            "sources": _sources(),
            "premises": _premises() if premises is None else premises,
        },
    )


def _key(segment: PipeSegment) -> tuple[tuple[float, float], ...]:
    """A main by where it runs: its ends in centimetres, in either direction."""
    ends = [segment.geom.coords[0], segment.geom.coords[-1]]
    metres = [(round((x - LON0) / M_LON, 2), round((y - LAT0) / M_LAT, 2)) for x, y in ends]
    return tuple(sorted(metres))


@dataclass(frozen=True)
class Trace:
    valves: dict[str, float]  # valve asset id -> metres from the damage
    stations: frozenset[str]
    mains_off: frozenset[tuple[tuple[float, float], ...]]
    premises_off: frozenset[str]


def _traces() -> dict[tuple[tuple[float, float], ...], Trace]:
    graph = network_graph_build(revision=(0, None))
    segments = {s.pk: s for s in PipeSegment.objects.filter(status="in_service")}
    valves = dict(Valve.objects.values_list("pk", "asset_id"))
    sources = dict(Source.objects.values_list("pk", "asset_id"))
    served = dict(Premise.objects.values_list("asset_id", "service_segment_id"))
    traces = {}
    for pk, segment in segments.items():
        trace = isolation_trace(graph, segment_id=pk)
        off = set(trace.isolated_segment_ids)
        traces[_key(segment)] = Trace(
            valves={
                valves[v]: round(d, 1)
                for v, d in zip(trace.valves_to_close, trace.valve_distances_m, strict=True)
            },
            stations=frozenset(sources[s] for s in trace.sources_to_shut),
            mains_off=frozenset(_key(segments[s]) for s in off),
            premises_off=frozenset(p for p, s in served.items() if s in off),
        )
    return traces


def _wipe() -> None:
    Premise.objects.all().delete()
    PipeSegment.objects.all().delete()
    Valve.objects.all().delete()
    Source.objects.all().delete()


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.toml"
    path.write_text(MAPPING)
    return path


@pytest.fixture
def both(tmp_path: Path, mapping: Path) -> tuple[dict[Any, Trace], dict[Any, Trace]]:
    network_import(path=_gpkg(tmp_path, split=True), mapping=mapping, progress=False)
    drawn_split = _traces()
    _wipe()
    report = network_import(path=_gpkg(tmp_path, split=False), mapping=mapping, progress=False)
    assert report.split.mains_split == 3 + 3  # three streets, three cross mains with a valve
    return drawn_split, _traces()


def test_unsplit_mains_are_split_where_valves_stations_and_cross_mains_sit(
    both: tuple[dict[Any, Trace], dict[Any, Trace]],
) -> None:
    drawn_split, imported = both
    assert set(imported) == set(drawn_split)
    assert PipeSegment.objects.filter(status="in_service").count() == len(drawn_split)
    # The parts of a street keep its asset id, numbered along the line, and name it.
    h2 = PipeSegment.objects.filter(split_from="H200-0").order_by("pk")
    parts = len(_street_cuts(200, split=True)) + 1
    assert [p.asset_id for p in h2] == ["H200-0", *(f"H200-0#{n}" for n in range(2, parts + 1))]
    assert {p.pressure_class for p in h2} == {"medium"}
    # ...in drawing order: part 1 starts where the street starts, each part where the last ends.
    assert h2[0].geom.coords[0] == pytest.approx(_lonlat(0, 200))
    for before, after in pairwise(h2):
        assert after.geom.coords[0] == pytest.approx(before.geom.coords[-1])


def test_every_trace_is_the_same_as_on_the_network_drawn_split(
    both: tuple[dict[Any, Trace], dict[Any, Trace]],
) -> None:
    drawn_split, imported = both
    differing = [key for key in drawn_split if imported[key] != drawn_split[key]]
    assert differing == []
    # ...and the traces close valves at all: the network is not one that shuts every station.
    assert sum(1 for t in imported.values() if t.valves and not t.stations) > len(imported) // 2


def test_importing_the_same_unsplit_mains_again_changes_nothing(
    tmp_path: Path, mapping: Path
) -> None:
    path = _gpkg(tmp_path, split=False)
    network_import(path=path, mapping=mapping, progress=False)
    before = _traces()
    rows = set(PipeSegment.objects.values_list("pk", "asset_id", "status"))
    versions = _row_versions()
    again = network_import(path=path, mapping=mapping, progress=False)
    assert set(PipeSegment.objects.values_list("pk", "asset_id", "status")) == rows
    assert again.split.parts_retired == 0
    assert _traces() == before
    # Nothing was written again but the mains' first parts (the file holds them whole, the
    # split cuts them back): not a premise, not a later part.
    assert _row_versions() == versions


def _row_versions() -> dict[str, str]:
    """Each premise's and later part's physical row version: an UPDATE always makes a new one."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT asset_id, ctid::text FROM network_premise UNION ALL "
            "SELECT asset_id, ctid::text FROM network_pipesegment WHERE asset_id <> split_from"
        )
        return dict(cursor.fetchall())


def test_a_street_drawn_again_without_its_valves_is_recut_and_its_spare_parts_retired(
    tmp_path: Path, mapping: Path
) -> None:
    network_import(path=_gpkg(tmp_path, split=False), mapping=mapping, progress=False)
    parts = PipeSegment.objects.filter(split_from="H0-0").count()
    assert parts == 8  # four valves and three cross mains on it
    served = Premise.objects.get(asset_id="PR1").service_segment
    assert served is not None
    assert served.split_from == "H0-0"
    kept = [v for v in _valves() if not v["properties"]["asset_id"].startswith("VS0-")]
    path = _gpkg(tmp_path, split=False, valves=kept)
    # An import adds and updates; told the file is the whole network, it retires the rest.
    network_import(path=path, mapping=mapping, progress=False)
    assert Valve.objects.filter(asset_id__startswith="VS0-").count() == 4
    report = network_import(path=path, mapping=mapping, progress=False, retire_missing=True)
    assert report.retired == {"pipes": 0, "valves": 4, "sources": 0}
    assert not Valve.objects.filter(asset_id__startswith="VS0-").exists()
    in_service = PipeSegment.objects.filter(split_from="H0-0", status="in_service")
    assert in_service.count() == 4  # cut only where the cross mains end on it now
    assert report.split.parts_retired == parts - 4
    assert PipeSegment.objects.filter(split_from="H0-0", status="abandoned").count() == 4
    assert Premise.objects.get(asset_id="PR1").service_segment_id in set(
        in_service.values_list("pk", flat=True)
    )


def test_a_premise_naming_an_unsplit_main_is_served_by_its_nearest_part(
    tmp_path: Path, mapping: Path
) -> None:
    named = mapping.with_name("named.toml")
    named.write_text(
        MAPPING.replace(
            'fields = { asset_id = "asset_id", full_text = "full_text" }',
            'fields = { asset_id = "asset_id", full_text = "full_text", '
            'service_segment = "service" }',
        )
    )
    premises = [
        _point("NEAR-260", 260, -9, full_text="测试路1号", service="H0-0"),
        _point("NEAR-175", 175, 192, full_text="测试路2号", service="H200-0"),
        _point("FIRST", 20, 6, full_text="测试路3号", service="H0-0"),
    ]
    path = _gpkg(tmp_path, split=False, premises=premises)
    network_import(path=path, mapping=named, progress=False)
    served = dict(Premise.objects.values_list("asset_id", "service_segment__asset_id"))
    # H0 is cut at 50, 100, ... 350: x=260 lies on its sixth part; H2 also at its station (210).
    assert served == {"NEAR-260": "H0-0#6", "NEAR-175": "H200-0#4", "FIRST": "H0-0"}
    # ...and again: the file still names the main as drawn, the premise keeps its part.
    network_import(path=path, mapping=named, progress=False)
    assert dict(Premise.objects.values_list("asset_id", "service_segment__asset_id")) == served


def test_a_main_whose_part_name_is_taken_is_left_whole_and_named(
    tmp_path: Path, mapping: Path
) -> None:
    drawn = [
        _line("M1", (0, 0), (100, 0)),
        _line("M1#2", (0, 50), (100, 50)),  # the utility's own id, not a part of M1
    ]
    path = _layers(
        tmp_path / "taken.gpkg",
        {"pipes": drawn, "valves": [_point("V1", 50, 0)], "sources": _sources()[:1]},
    )
    report = network_import(path=path, mapping=mapping, progress=False)
    assert report.split.name_taken == ["M1"]
    assert "M1" in report.summary()
    other = PipeSegment.objects.get(asset_id="M1#2")
    assert other.split_from == ""
    assert other.geom.coords[0] == pytest.approx(_lonlat(0, 50))
    assert PipeSegment.objects.get(asset_id="M1").geom.coords[-1] == pytest.approx(_lonlat(100, 0))


def test_retiring_what_a_whole_export_no_longer_holds(tmp_path: Path, mapping: Path) -> None:
    sized = mapping.with_name("sized.toml")
    sized.write_text(
        MAPPING.replace(
            'fields = { asset_id = "asset_id" }\nconstants = { pressure_class = "medium" }',
            'fields = { asset_id = "asset_id", diameter_mm = "d" }\n'
            'constants = { pressure_class = "medium" }',
            1,
        )
    )

    def main(asset: str, y: float, d: object) -> Json:
        line = _line(asset, (0, y), (100, y))
        line["properties"]["d"] = d
        return line

    first = [main("M1", 0, 100), main("M2", 50, 100), main("M3", 90, 100)]
    network_import(path=_layers(tmp_path / "a.gpkg", {"pipes": first}), mapping=sized)
    # The next export: M2 is gone, M3 is there with a value we refuse (still in the GIS).
    again = [main("M1", 0, 100), main("M3", 90, "wide")]
    report = network_import(
        path=_layers(tmp_path / "b.gpkg", {"pipes": again}),
        mapping=sized,
        retire_missing=True,
        progress=False,
    )
    assert [p.asset_id for p in report.rejects] == ["M3"]
    status = dict(PipeSegment.objects.values_list("asset_id", "status"))
    assert status == {"M1": "in_service", "M2": "abandoned", "M3": "in_service"}
    assert report.retired["pipes"] == 1
    assert "retired: 1 pipes" in report.summary()
