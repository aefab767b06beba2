"""One source feature into the values of one row, or the reason it is refused."""

from dataclasses import dataclass

from django.contrib.gis.gdal import CoordTransform, GDALException, OGRGeometry
from django.contrib.gis.gdal.feature import Feature
from django.contrib.gis.gdal.geometries import GeometryCollection
from django.contrib.gis.geos import GEOSException, GEOSGeometry

from gis.address import search_key
from gis.importing.mapping import SERVICE_SEGMENT, LayerMapping
from gis.importing.values import BadValueError, value_clean
from gis.models import Landmark

_VALID = "Valid Geometry"


class RejectedError(Exception):
    """A feature that cannot be imported; `reason` is what the user is shown."""

    def __init__(self, reason: str, asset_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.asset_id = asset_id


@dataclass(frozen=True)
class Row:
    """A feature that passed every check, ready to be written."""

    number: int
    asset_id: str
    geom: GEOSGeometry
    values: dict[str, object]
    service_ref: str | None = None  # asset id of the pipe serving a premise


def feature_asset_id(feature: Feature, *, mapping: LayerMapping) -> str:
    """The feature's asset id, cleaned; RejectedError when it has none or a bad one."""
    raw = feature.get(mapping.fields["asset_id"])
    if raw is None or str(raw).strip() == "":
        raise RejectedError("missing asset id")
    try:
        asset_id = value_clean(field=mapping.target.columns["asset_id"], raw=raw)
    except BadValueError as exc:
        raise RejectedError(f"bad value for asset_id: {exc}") from None
    return str(asset_id)


def feature_row(
    feature: Feature, *, number: int, mapping: LayerMapping, transform: CoordTransform | None
) -> Row:
    """The checked row for one feature; RejectedError with the first problem found."""
    asset_id = feature_asset_id(feature, mapping=mapping)
    try:
        geom = _wgs84_geometry(feature, transform=transform, expected=mapping.target.geom_type)
        values, service_ref = _values(feature, mapping=mapping)
    except RejectedError as exc:
        raise RejectedError(exc.reason, asset_id) from None
    return Row(number, asset_id, geom, values, service_ref)


def _values(feature: Feature, *, mapping: LayerMapping) -> tuple[dict[str, object], str | None]:
    values: dict[str, object] = dict(mapping.constants)
    service_ref = None
    for name, source_field in mapping.fields.items():
        if name == "asset_id":
            continue
        raw = feature.get(source_field)
        if name == SERVICE_SEGMENT:
            service_ref = _service_ref(raw)
            continue
        if name in mapping.target.derived and (raw is None or str(raw).strip() == ""):
            continue
        try:
            values[name] = mapping.column_value(name, raw)
        except BadValueError as exc:
            raise RejectedError(f"bad value for {name}: {exc}") from None
    _derive(mapping.target.name, values)
    return values, service_ref


def _service_ref(raw: object) -> str | None:
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = "" if raw is None else str(raw).strip()
    return text or None


def _derive(target: str, values: dict[str, object]) -> None:
    if target == "premises":
        values["search_key"] = search_key(str(values["full_text"]))
    elif target == "landmarks" and "sensitive" not in values:
        values["sensitive"] = values["kind"] in Landmark.SENSITIVE


def _wgs84_geometry(
    feature: Feature, *, transform: CoordTransform | None, expected: str
) -> GEOSGeometry:
    try:
        geom = feature.geom
    except GDALException:  # the feature has no geometry at all (NULL)
        raise RejectedError("empty geometry") from None
    if geom.empty:
        raise RejectedError("empty geometry")
    geom.set_3d(False)  # our columns are 2D; a Z would make PostGIS refuse the whole batch
    geom.set_measured(False)
    if isinstance(geom, GeometryCollection) and _is_single(geom, f"Multi{expected}"):
        geom = geom[0]
    if geom.geom_type.name != expected:
        raise RejectedError(f"wrong geometry type: {_describe(geom)}")
    if transform is not None:
        try:
            geom.transform(transform)
        except GDALException:
            raise RejectedError("invalid geometry: cannot be transformed to WGS 84") from None
    return _checked(geom)


def _is_single(geom: GeometryCollection, multi_type: str) -> bool:
    return geom.geom_type.name == multi_type and len(geom) == 1


def _describe(geom: OGRGeometry) -> str:
    name = geom.geom_type.name
    return f"{name} with {len(geom)} parts" if isinstance(geom, GeometryCollection) else name


def _checked(geom: OGRGeometry) -> GEOSGeometry:
    # GEOS refuses to even build a one-point line, so say what its validity check would say.
    if geom.geom_type.name == "LineString" and geom.point_count < 2:
        raise RejectedError("invalid geometry: Too few points in geometry component")
    try:
        geos = geom.geos
    except GEOSException:
        raise RejectedError("invalid geometry: GEOS cannot read it") from None
    reason = geos.valid_reason
    if reason != _VALID:
        raise RejectedError(f"invalid geometry: {reason}")
    west, south, east, north = geos.extent
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise RejectedError("invalid geometry: outside lon/lat range (is the layer's CRS right?)")
    geos.srid = 4326
    return geos
