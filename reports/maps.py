"""Where the breaches were: the incidents whose arrival missed its clock, as GeoJSON points
with how late they were, for the dashboard's map (the same rows as the figure's misses)."""

from typing import Any

from django.db import connection
from django.urls import reverse

from reports.catalogue import BY_KEY
from reports.figures import figure_params, figure_where
from reports.models import ReportSettings
from reports.scope import Scope

BREACHES_MAX = 5000  # a year of a large city's misses still draws; more is an export


def breaches_geojson(scope: Scope) -> dict[str, Any]:
    spec = BY_KEY["arrival_on_clock"]
    where = figure_where(spec, scope)
    features: list[dict[str, Any]] = []
    if where is not None:
        # Module constants only; every value is bound.
        columns = (
            "i.reference, ST_X(i.point), ST_Y(i.point), i.priority, i.category, "
            "ou.name, EXTRACT(EPOCH FROM (COALESCE(i.on_site_at, %(now)s) - d_on.due_at)) / 60"
        )
        tables = spec.source.from_clause(f"{columns} {spec.joins} {where} {spec.hit}")
        sql = (
            f"SELECT {columns} FROM {tables} {spec.joins} "
            f"WHERE {where} AND ({spec.hit}) IS NOT TRUE "
            f"ORDER BY 7 DESC LIMIT {BREACHES_MAX}"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, figure_params(scope, ReportSettings.current()))
            rows = cursor.fetchall()
        link = reverse("maps-timeline", args=["REFERENCE"])  # once, not per point
        features = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
                "properties": {
                    "reference": ref,
                    "priority": priority,
                    "category": category,
                    "station": station,
                    "late_minutes": round(late, 1),
                    "link": link.replace("REFERENCE", ref),
                },
            }
            for ref, x, y, priority, category, station, late in rows
        ]
    return {"type": "FeatureCollection", "features": features}
