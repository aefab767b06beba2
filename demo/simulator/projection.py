"""The road graph's metric projection and the way back to WGS 84 (GDAL)."""

import numpy as np
import shapely
import shapely.ops
from django.contrib.gis.gdal import CoordTransform, OGRGeometry, SpatialReference

# PostGIS's _ST_BestSRID answers with SRIDs of its own (999000 and up) that no EPSG table
# holds, so GDAL cannot look them up. These are PostGIS's definitions of the ones a city gets.
_UTM_NORTH, _UTM_SOUTH, _WORLD_MERCATOR = range(999001, 999061), range(999101, 999161), 999000


def projection_srs(srid: int) -> SpatialReference:
    """GDAL's spatial reference for an SRID the road graph may be in."""
    if srid in _UTM_NORTH:
        return SpatialReference(f"+proj=utm +zone={srid - 999000} +datum=WGS84 +units=m +no_defs")
    if srid in _UTM_SOUTH:
        zone = srid - 999100
        return SpatialReference(f"+proj=utm +zone={zone} +south +datum=WGS84 +units=m +no_defs")
    if srid == _WORLD_MERCATOR:
        return SpatialReference("+proj=merc +lon_0=0 +k=1 +x_0=0 +y_0=0 +datum=WGS84 +units=m")
    if srid > _WORLD_MERCATOR:
        raise ValueError(f"the roads are in PostGIS's own SRID {srid}, unknown to the simulator")
    return SpatialReference(srid)


class Projection:
    """From the road graph's metres to WGS 84 longitude and latitude."""

    def __init__(self, srid: int) -> None:
        self.srs = projection_srs(srid)
        self._to_wgs84 = CoordTransform(self.srs, SpatialReference(4326))

    def lonlat(self, xy: np.ndarray) -> np.ndarray:
        """(n, 2) projected points to (n, 2) lon, lat: one GDAL call for the whole batch."""
        if len(xy) == 0:
            return np.zeros((0, 2))
        geom = OGRGeometry(memoryview(shapely.to_wkb(shapely.multipoints(xy))), srs=self.srs)
        geom.transform(self._to_wgs84)
        return shapely.get_coordinates(shapely.from_wkb(bytes(geom.wkb)))
