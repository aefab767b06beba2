"""Which class of area a point lies in (urban, rural, remote: gis.ServiceArea), for the
commitments that differ by place. Outside every drawn area: urban, the strictest, so a gap
in the drawing never loosens a clock."""

from django.contrib.gis.geos import Point

from gis.models import AreaClass, ServiceArea

# Where drawn areas overlap, the strictest class holds (a town inside a rural county).
_STRICTEST = [AreaClass.URBAN, AreaClass.RURAL, AreaClass.REMOTE]


def area_class_at(point: Point | None) -> str:
    if point is None:
        return AreaClass.URBAN.value
    found = set(
        ServiceArea.objects.filter(geom__intersects=point).values_list("area_class", flat=True)
    )
    return next((c.value for c in _STRICTEST if c.value in found), AreaClass.URBAN.value)
