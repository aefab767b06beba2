"""Checking source rows a chunk at a time: geometries with shapely, values a column at a time."""

import struct
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import shapely
from django.utils.translation import gettext as _
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError

from gis.address import search_key
from gis.importing.mapping import REFERENCES, SERVICE_SEGMENT, LayerMapping
from gis.importing.values import BadValueError
from gis.models import Landmark

WGS84 = 4326
_TYPE_IDS = {"Point": 0, "LineString": 1, "MultiPoint": 4, "MultiLineString": 5}
_COLLECTIONS = {4, 5, 6, 7}  # Multi-, and GeometryCollection: described with their parts
# OGR's names of WKB geometry types, for the rows GEOS cannot even build. (No curves: pyogrio
# hands arcs over as lines of many points.)
_WKB_NAMES = {
    1: "Point",
    2: "LineString",
    3: "Polygon",
    4: "MultiPoint",
    5: "MultiLineString",
    6: "MultiPolygon",
    7: "GeometryCollection",
}
# Distinct raw values remembered per column from chunk to chunk: enough for codes, names
# and numbers; a column of unique texts (addresses, meter ids) is asked value by value.
_MEMO_LIMIT = 20_000


def layer_crs(crs: str | None, srid: int | None) -> CRS | None:
    """The CRS the layer declares, else the one the mapping names, else None."""
    try:
        return CRS.from_user_input(crs) if crs else CRS.from_epsg(srid) if srid else None
    except CRSError:
        return None


def wgs84_transformer(source: CRS) -> Transformer | None:
    """To WGS 84 from `source`; None when it is WGS 84 already."""
    if source.equals(CRS.from_epsg(WGS84), ignore_axis_order=True):
        return None
    # Both ends in traditional GIS order (x = easting or longitude); EPSG itself puts latitude
    # and northing first.
    return Transformer.from_crs(source, WGS84, always_xy=True)


def geometries_check(
    wkb: np.ndarray, *, transformer: Transformer | None, expected: str
) -> tuple[np.ndarray, list[str | None]]:
    """Each row's geometry as 2D WKB in WGS 84, or the reason it is refused."""
    reasons: list[str | None] = [None] * len(wkb)
    geoms = shapely.from_wkb(wkb, on_invalid="ignore")

    def refuse(mask: np.ndarray, reason: str | list[str]) -> None:
        if not mask.any():
            return
        rows = np.flatnonzero(mask).tolist()
        for n, row in enumerate(rows):
            if reasons[row] is None:
                reasons[row] = reason if isinstance(reason, str) else reason[n]
        geoms[rows] = None

    given = np.array([b is not None for b in wkb], dtype=bool)
    unreadable = given & shapely.is_missing(geoms)
    refuse(unreadable, [_unreadable_reason(bytes(b), expected) for b in wkb[unreadable]])
    refuse(~given, _("empty geometry"))  # the feature has no geometry at all (NULL)
    refuse(shapely.is_empty(geoms), _("empty geometry"))
    if (shapely.has_z(geoms) | shapely.has_m(geoms)).any():
        # Our columns are 2D; a Z or M would make PostGIS refuse the whole layer.
        geoms = shapely.force_2d(geoms)
    kinds = shapely.get_type_id(geoms)
    single = (kinds == _TYPE_IDS[f"Multi{expected}"]) & (shapely.get_num_geometries(geoms) == 1)
    if single.any():
        geoms[single] = shapely.get_geometry(geoms[single], 0)
        kinds = shapely.get_type_id(geoms)
    wrong = (kinds != _TYPE_IDS[expected]) & (kinds >= 0)
    refuse(wrong, [_("wrong geometry type: %s") % _describe(g) for g in geoms[wrong]])
    if transformer is not None:
        refuse(
            _transform(geoms, transformer), _("invalid geometry: cannot be transformed to WGS 84")
        )
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    why = shapely.is_valid_reason(geoms[invalid])
    refuse(invalid, [_("invalid geometry: %s") % w for w in why])
    west, south, east, north = shapely.bounds(geoms).T
    with np.errstate(invalid="ignore"):
        inside = (west >= -180) & (east <= 180) & (south >= -90) & (north <= 90)
    outside = ~inside & ~shapely.is_missing(geoms)
    refuse(outside, _("invalid geometry: outside lon/lat range (is the layer's CRS right?)"))
    return shapely.to_wkb(geoms, output_dimension=2), reasons


def _describe(geom: shapely.Geometry) -> str:
    name = geom.geom_type
    if shapely.get_type_id(geom) in _COLLECTIONS:
        return _("%(type)s with %(parts)d parts") % {
            "type": name,
            "parts": shapely.get_num_geometries(geom),
        }
    return name


def _transform(geoms: np.ndarray, transformer: Transformer) -> np.ndarray:
    """Transform in place; True for the rows PROJ could not transform."""
    present = np.flatnonzero(~shapely.is_missing(geoms))
    coords, index = shapely.get_coordinates(geoms[present], return_index=True)
    x, y = transformer.transform(coords[:, 0], coords[:, 1], errcheck=False)
    failed = np.zeros(len(geoms), dtype=bool)
    failed[present[index[~(np.isfinite(x) & np.isfinite(y))]]] = True
    geoms[present] = shapely.set_coordinates(geoms[present], np.column_stack([x, y]))
    return failed


def _unreadable_reason(wkb: bytes, expected: str) -> str:
    """Why GEOS cannot build a geometry GDAL read (a line of one point), as the
    feature-by-feature reader said it."""
    try:
        order = "<" if wkb[0] == 1 else ">"
        code = struct.unpack_from(f"{order}I", wkb, 1)[0] & 0x0FFFFFFF
        kind = code % 1000  # ISO WKB adds 1000 for Z, 2000 for M, 3000 for both
        count = struct.unpack_from(f"{order}I", wkb, 5)[0]
    except (IndexError, struct.error):
        return _("invalid geometry: GEOS cannot read it")
    name = _WKB_NAMES.get(kind, f"geometry type {kind}")
    if name == f"Multi{expected}" and count == 1:
        return _unreadable_reason(wkb[9:], expected)
    if name != expected:
        if kind in _COLLECTIONS:
            name = _("%(type)s with %(parts)d parts") % {"type": name, "parts": count}
        return _("wrong geometry type: %s") % name
    if name == "LineString" and count < 2:
        return _("invalid geometry: Too few points in geometry component")
    return _("invalid geometry: GEOS cannot read it")


@dataclass
class CleanChunk:
    """A chunk's values cleaned column by column, and each row's first problem."""

    asset_ids: list[str | None]
    asset_problems: list[str | None]  # missing or bad asset id
    columns: list[list[object]]  # the staged columns' values, in `ChunkCleaner.columns` order
    problems: list[str | None]  # the first bad value, in the mapping's field order
    service_refs: list[str | None]
    # Premises: the asset ids in each other reference column (gis.importing.mapping
    # REFERENCES), None for an empty value or an unmapped column.
    other_refs: dict[str, list[str | None]]


class ChunkCleaner:
    """A layer's source values into what its columns store, a chunk and a column at a time.

    Every value goes through the mapping's `column_value`, which answers from the column and
    the raw value alone; so it is asked once per distinct value of a column in a chunk (and
    remembered for the next chunks when there are few), and a million premises do not ask it
    a million times for their district.
    """

    def __init__(self, mapping: LayerMapping) -> None:
        self.mapping = mapping
        self.feeds = [
            (name, source)
            for name, source in mapping.fields.items()
            if name not in ("asset_id", *REFERENCES)
        ]
        fed = [name for name, _source in self.feeds]
        self.derived = sorted(mapping.target.derived - set(mapping.constants))
        # What goes through the staging table, row by row; constants go once, as parameters.
        self.columns = fed + [name for name in self.derived if name not in fed]
        # Per column: raw value -> what column_value made of it (or _Refused), and whether
        # any remembered answer is a refusal.
        self._memo: dict[str, dict[object, object]] = {name: {} for name in mapping.fields}
        self._refused = dict.fromkeys(mapping.fields, False)

    def clean(self, columns: Mapping[str, list[object]], size: int) -> CleanChunk:
        """The chunk's `size` rows (source field -> values) cleaned."""
        asset_raw = columns[self.mapping.fields["asset_id"]]
        asset_values, asset_errors = self._column("asset_id", asset_raw)
        asset_problems: list[str | None] = [
            _("missing asset id") if _blank(raw) else asset_errors.get(n)
            for n, raw in enumerate(asset_raw)
        ]
        asset_ids = [
            None if p else str(v) for v, p in zip(asset_values, asset_problems, strict=True)
        ]
        problems: list[str | None] = [None] * size
        values: dict[str, list[object]] = {}
        for name, source in self.feeds:
            raw = columns[source]
            values[name], errors = self._column(name, raw)
            if name in self.derived:  # left empty: derived below, whatever the mapping says
                values[name] = [
                    _DERIVE if _blank(r) else v for r, v in zip(raw, values[name], strict=True)
                ]
                errors = {n: p for n, p in errors.items() if not _blank(raw[n])}
            for n, reason in errors.items():
                if problems[n] is None:
                    problems[n] = reason
        self._derive(values, size)
        refs = {name: self._refs(columns, name, size) for name in REFERENCES}
        return CleanChunk(
            asset_ids,
            asset_problems,
            [values[c] for c in self.columns],
            problems,
            refs.pop(SERVICE_SEGMENT),
            refs,
        )

    def _refs(self, columns: Mapping[str, list[object]], name: str, size: int) -> list[str | None]:
        source = self.mapping.fields.get(name)
        return [_service_ref(r) for r in columns[source]] if source else [None] * size

    def _column(self, name: str, raws: list[object]) -> tuple[list[object], dict[int, str]]:
        """The column's cleaned values, and the problem of each row whose value is bad."""
        memo = self._memo[name]
        try:
            new = set(raws).difference(memo)
        except TypeError:  # values that cannot be keys (no GDAL field type we read so far)
            answers = [self._ask(name, raw) for raw in raws]
            return answers, {n: a.reason for n, a in enumerate(answers) if type(a) is _Refused}
        fresh = {raw: self._ask(name, raw) for raw in new}
        refused = any(type(a) is _Refused for a in fresh.values())
        if len(memo) + len(fresh) <= _MEMO_LIMIT:
            memo.update(fresh)
            self._refused[name] |= refused
            fresh = memo
        else:
            fresh.update(memo)
        values = list(map(fresh.__getitem__, raws))
        if not (refused or self._refused[name]):
            return values, {}
        return values, {n: v.reason for n, v in enumerate(values) if type(v) is _Refused}

    def _ask(self, name: str, raw: object) -> object:
        try:
            return self.mapping.column_value(name, raw)
        except BadValueError as exc:
            why = _("bad value for %(field)s: %(problem)s")
            return _Refused(why % {"field": name, "problem": exc})

    def _derive(self, values: dict[str, list[object]], size: int) -> None:
        constants = self.mapping.constants
        target = self.mapping.target.name
        if target == "premises":
            texts = values.get("full_text") or [constants.get("full_text")] * size
            values["search_key"] = [None if t is None else search_key(str(t)) for t in texts]
        elif target == "landmarks" and "sensitive" in self.derived:
            kinds = values.get("kind") or [constants.get("kind")] * size
            given = values.get("sensitive") or [_DERIVE] * size
            values["sensitive"] = [
                k in Landmark.SENSITIVE if s is _DERIVE else s
                for k, s in zip(kinds, given, strict=True)
            ]


_DERIVE = object()  # marks a derived column the source left empty


@dataclass(frozen=True)
class _Refused:
    """column_value's BadValueError for a raw value, remembered like a value."""

    reason: str


def _blank(raw: object) -> bool:
    return raw is None or (isinstance(raw, str) and raw.strip() == "")


def _service_ref(raw: object) -> str | None:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = "" if raw is None else str(raw).strip()
    return text or None
