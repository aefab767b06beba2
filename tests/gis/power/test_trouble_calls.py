"""Trouble calls on a small power network in PostGIS: placing calls by premise and by place,
the device predicted open, the customers out, and the checks check_network will print.

The network, in metres east and north of a substation at Tianjin (117.2 E, 39.1 N):

    S(0,0) -- breaker(10,0) -- T0 at (300,0) -- recloser(310,0) -- D(600,0)
    D -- fuse F1 (600,10) -- T1a (600,300) -- T1b (600,600)
    D -- fuse F2 (610,0)  -- T2a (900,0)   -- T2b (1200,0)
"""

import math

import pytest
from django.contrib.gis.geos import LineString, Point

from gis.models import PowerDevice, PowerLine, PowerSubstation, Premise
from gis.power import TroubleCall, device_customers, power_network_check, trouble_calls_analyse
from gis.services import network_revision_bump

pytestmark = pytest.mark.django_db

LON, LAT = 117.2, 39.1


def _at(x: float, y: float) -> Point:
    return Point(LON + x / (111_320 * math.cos(math.radians(LAT))), LAT + y / 111_320, srid=4326)


def _line(asset: str, a: tuple[float, float], b: tuple[float, float]) -> PowerLine:
    return PowerLine.objects.create(
        asset_id=asset, geom=LineString(_at(*a), _at(*b), srid=4326), voltage_kv=10
    )


def _device(asset: str, kind: str, xy: tuple[float, float], **kw: object) -> PowerDevice:
    return PowerDevice.objects.create(asset_id=asset, kind=kind, geom=_at(*xy), **kw)


def _premise(asset: str, xy: tuple[float, float], transformer: PowerDevice | None) -> Premise:
    return Premise.objects.create(
        asset_id=asset, geom=_at(*xy), full_text=asset, search_key=asset, transformer=transformer
    )


@pytest.fixture
def grid() -> dict[str, int]:
    PowerSubstation.objects.create(asset_id="S", name="S", geom=_at(0, 0))
    route = [
        ("L1", (0, 0), (10, 0)),
        ("L2", (10, 0), (300, 0)),
        ("L3", (300, 0), (310, 0)),
        ("L4", (310, 0), (600, 0)),
        ("L5", (600, 0), (600, 10)),
        ("L6", (600, 10), (600, 300)),
        ("L7", (600, 300), (600, 600)),
        ("L8", (600, 0), (610, 0)),
        ("L9", (610, 0), (900, 0)),
        ("L10", (900, 0), (1200, 0)),
    ]
    for asset, a, b in route:
        _line(asset, a, b)
    ids: dict[str, int] = {}
    for asset, kind, xy in [
        ("B", "breaker", (10, 0)),
        ("R", "recloser", (310, 0)),
        ("F1", "fuse", (600, 10)),
        ("F2", "fuse", (610, 0)),
        ("T0", "transformer", (300, 0)),
        ("T1a", "transformer", (600, 300)),
        ("T1b", "transformer", (600, 600)),
        ("T2a", "transformer", (900, 0)),
        ("T2b", "transformer", (1200, 0)),
    ]:
        device = _device(asset, kind, xy)
        ids[asset] = device.pk
        if kind == "transformer":
            for n in range(2):
                ids[f"{asset}-p{n}"] = _premise(f"{asset}-p{n}", (xy[0] + 20, xy[1] + n), device).pk
    ids["orphan-near-T0"] = _premise("orphan-near-T0", (300, 60), None).pk
    ids["orphan-far"] = _premise("orphan-far", (5000, 5000), None).pk
    network_revision_bump()
    return ids


def _premises(ids: dict[str, int], *transformers: str) -> list[int]:
    return sorted(ids[f"{t}-p{n}"] for t in transformers for n in range(2))


def test_one_call_is_its_transformer_and_its_customers(grid: dict[str, int]) -> None:
    analysis = trouble_calls_analyse(calls=[TroubleCall(1, premise_id=grid["T1a-p0"])])
    [outage] = analysis.predictions
    assert (outage.kind, outage.device, outage.calls) == ("transformer", grid["T1a"], [1])
    assert outage.premises_out == _premises(grid, "T1a")
    assert analysis.unplaced == []


def test_two_transformers_under_one_fuse_are_the_fuse(grid: dict[str, int]) -> None:
    calls = [TroubleCall(1, premise_id=grid["T1a-p0"]), TroubleCall(2, premise_id=grid["T1b-p1"])]
    [outage] = trouble_calls_analyse(calls=calls).predictions
    assert (outage.kind, outage.device) == ("fuse", grid["F1"])
    assert outage.transformers_reporting == sorted([grid["T1a"], grid["T1b"]])
    assert outage.premises_out == _premises(grid, "T1a", "T1b")


def test_calls_under_two_fuses_under_one_recloser_are_the_recloser(grid: dict[str, int]) -> None:
    calls = [
        TroubleCall(n, premise_id=grid[f"{t}-p0"])
        for n, t in enumerate(["T1a", "T1b", "T2a", "T2b"])
    ]
    analysis = trouble_calls_analyse(calls=calls)
    [outage] = analysis.predictions
    assert (outage.kind, outage.device, outage.calls) == ("recloser", grid["R"], [0, 1, 2, 3])
    assert outage.premises_out == _premises(grid, "T1a", "T1b", "T2a", "T2b")
    assert analysis.premises_out == outage.premises_out  # T0, above the recloser, is not out


def test_calls_without_a_premise_are_placed_by_where_they_are(grid: dict[str, int]) -> None:
    near_t2a = _at(960, 40)  # 72 m from T2a
    on_a_line = _at(450, 100)  # 180 m from T0, 100 m from line L4: its nearer end, R's node
    calls = [
        TroubleCall(1, point=(near_t2a.x, near_t2a.y)),
        TroubleCall(2, point=(on_a_line.x, on_a_line.y)),
        TroubleCall(3, premise_id=grid["orphan-near-T0"]),  # no transformer: by its place
    ]
    analysis = trouble_calls_analyse(calls=calls)
    found = {(p.kind, p.device, tuple(p.calls)) for p in analysis.predictions}
    assert found == {
        ("transformer", grid["T2a"], (1,)),
        ("line", None, (2,)),
        ("transformer", grid["T0"], (3,)),
    }
    assert analysis.unplaced == []


def test_calls_far_from_everything_are_listed_with_the_reason(grid: dict[str, int]) -> None:
    far = _at(5000, -5000)
    calls = [
        TroubleCall(1, point=(far.x, far.y)),
        TroubleCall(2, premise_id=grid["orphan-far"]),
        TroubleCall(3),
        TroubleCall(4, premise_id=grid["T0-p0"]),
    ]
    analysis = trouble_calls_analyse(calls=calls)
    assert [(u.call_id, u.reason) for u in analysis.unplaced] == [
        (1, "no transformer within 150 m and no line within 500 m"),
        (2, "no transformer within 150 m and no line within 500 m"),
        (3, "neither a premise nor a place"),
    ]
    assert [p.device for p in analysis.predictions] == [grid["T0"]]


def test_customers_behind_a_device(grid: dict[str, int]) -> None:
    assert device_customers(device_id=grid["F2"]) == _premises(grid, "T2a", "T2b")
    assert device_customers(device_id=grid["T0"]) == _premises(grid, "T0")
    assert device_customers(device_id=grid["B"]) == _premises(
        grid, "T0", "T1a", "T1b", "T2a", "T2b"
    )


def test_a_normally_open_switch_cuts_what_lies_beyond_it(grid: dict[str, int]) -> None:
    # An open switch drawn between L9 and L10's spans: T2b is fed by nothing now.
    PowerLine.objects.filter(asset_id="L10").delete()
    _line("L10a", (900, 0), (1000, 0))
    _line("L10b", (1000, 0), (1200, 0))
    _device("NO", "switch", (1000, 0), normally_open=True)
    network_revision_bump()
    analysis = trouble_calls_analyse(calls=[TroubleCall(1, premise_id=grid["T2b-p0"])])
    assert [(u.call_id, u.reason) for u in analysis.unplaced] == [
        (1, "on a part of the network no substation feeds")
    ]
    assert device_customers(device_id=grid["F2"]) == _premises(grid, "T2a")
    check = power_network_check()
    assert sorted(
        PowerLine.objects.filter(pk__in=check.lines_unfed).values_list("asset_id", flat=True)
    ) == ["L10b"]


def test_check_finds_what_is_wrong(grid: dict[str, int]) -> None:
    clean = power_network_check()
    assert (clean.lines_unfed, clean.devices_off_network, clean.meshed_lines) == ([], [], [])
    assert clean.premises_without_transformer == 2
    _line("loop", (300, 0), (600, 0))  # T0 straight to D, beside the recloser: a mesh
    off = _device("stray", "fuse", (300, 50))
    lonely = _device("T-new", "transformer", (1200, 0))
    network_revision_bump()
    check = power_network_check()
    assert len(check.meshed_lines) == 1
    assert check.devices_off_network == [off.pk]
    assert check.transformers_without_customers == [lonely.pk]
    text = check.render()
    assert "!!         1  power devices off the network (no line end within 1 m)" in text
    assert "stray" in text
