"""import_network's power targets and the premises' transformer and heat substation columns."""

import copy
import io
from pathlib import Path
from typing import Any

import numpy as np
import pandapower.networks as pn
import pyogrio
import pytest
import shapely
from django.core.management import call_command

from gis.importing import network_import
from gis.models import PowerDevice, PowerLine, PowerSubstation, Premise, Source
from gis.power import power_network
from tests.gis.power.pandapower_gpkg import network_gpkg

MAPPING = Path(__file__).resolve().parents[3] / "gis" / "mappings" / "pandapower_power.toml"

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def oberrhein() -> Any:
    return pn.mv_oberrhein()


def test_describe_lists_the_power_targets() -> None:
    out = io.StringIO()
    call_command("import_network", "--describe", stdout=out)
    text = out.getvalue()
    for target in ("power_lines", "power_devices", "power_substations"):
        assert f"\n{target}  (" in text
    assert "  transformer " in text
    assert "  heat_station " in text


def test_retire_missing_covers_power(oberrhein: Any, tmp_path: Path) -> None:
    network_gpkg(oberrhein, tmp_path / "a.gpkg")
    network_import(path=tmp_path / "a.gpkg", mapping=MAPPING, progress=False)
    spans = {
        a
        for a in PowerLine.objects.values_list("asset_id", flat=True)
        if a == "line-0" or a.startswith("line-0/")
    }
    assert len(spans) > 1  # cut at its switch
    smaller = copy.deepcopy(oberrhein)
    # The first line, and its switches, leave the model.
    smaller.switch = smaller.switch[~((smaller.switch.et == "l") & (smaller.switch.element == 0))]
    smaller.line = smaller.line.drop(index=0)
    network_gpkg(smaller, tmp_path / "b.gpkg")
    report = network_import(
        path=tmp_path / "b.gpkg", mapping=MAPPING, progress=False, retire_missing=True
    )
    gone = [s for s in oberrhein.switch.index if oberrhein.switch.at[s, "element"] == 0]
    assert report.retired["power_devices"] == len(gone) > 0
    assert not PowerDevice.objects.filter(asset_id__in=[f"switch-{s}" for s in gone]).exists()
    abandoned = PowerLine.objects.filter(status="abandoned").values_list("asset_id", flat=True)
    assert set(abandoned) == spans
    assert report.retired["power_substations"] == 0
    assert report.revision is not None
    # The graph no longer has the retired line.
    graph = power_network().graph
    assert not set(PowerLine.objects.filter(status="abandoned").values_list("id", flat=True)) & {
        int(s) for s in graph.edge_segment
    }


def _premises(path: Path, rows: list[tuple[str, str | None, str | None]]) -> Path:
    pyogrio.raw.write(
        path,
        np.array(shapely.to_wkb([shapely.Point(117.2, 39.1)] * len(rows)), dtype=object),
        [np.array(column, dtype=object) for column in zip(*rows, strict=True)],
        ["name", "transformer", "heat"],
        layer="premises",
        driver="GPKG",
        geometry_type="Point",
        crs="EPSG:4326",
    )
    return path


MAPPING_PREMISES = """
[layers.premises]
target = "premises"
[layers.premises.fields]
asset_id = "name"
full_text = "name"
transformer = "transformer"
heat_station = "heat"
"""


def test_premises_name_their_transformer_and_heat_substation(tmp_path: Path) -> None:
    point = shapely.Point(117.2, 39.1).wkt
    t1 = PowerDevice.objects.create(asset_id="T1", kind="transformer", geom=point)
    PowerDevice.objects.create(asset_id="F1", kind="fuse", geom=point)
    hs = Source.objects.create(
        asset_id="HS1",
        name="HS1",
        utility="heat",
        kind="substation",
        geom=point,
        pressure_class="low",
    )
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING_PREMISES)
    path = _premises(
        tmp_path / "p.gpkg",
        [("P1", "T1", "HS1"), ("P2", "F1", None), ("P3", None, "nowhere"), ("P4", "T9", None)],
    )
    report = network_import(path=path, mapping=mapping, progress=False)
    linked = dict(Premise.objects.values_list("asset_id", "transformer"))
    heated = dict(Premise.objects.values_list("asset_id", "heat_station"))
    assert linked == {"P1": t1.pk, "P2": None, "P3": None, "P4": None}
    assert heated == {"P1": hs.pk, "P2": None, "P3": None, "P4": None}
    assert sorted((w.asset_id, w.reason) for w in report.warnings) == [
        ("P2", "transformer F1 not found; the premise is left without one"),
        ("P3", "heat substation nowhere not found; the premise is left without one"),
        ("P4", "transformer T9 not found; the premise is left without one"),
    ]
    # Moved to another transformer, or to none, on a re-import.
    t2 = PowerDevice.objects.create(asset_id="T2", kind="transformer", geom=point)
    path = _premises(tmp_path / "q.gpkg", [("P1", "T2", None), ("P2", "T1", "HS1")])
    network_import(path=path, mapping=mapping, progress=False)
    linked = dict(Premise.objects.values_list("asset_id", "transformer"))
    assert (linked["P1"], linked["P2"]) == (t2.pk, t1.pk)
    assert Premise.objects.get(asset_id="P1").heat_station is None
    assert PowerSubstation.objects.count() == 0
