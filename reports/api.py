"""The reports API: the figures of a scope, the rows behind one figure, and where the
arrivals were missed (GeoJSON for the breach map). For supervisors, safety managers and
administrators (Capability.REPORTS), of their own unit and what lies beneath it."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import api_view, permission_classes
from rest_framework.request import Request
from rest_framework.response import Response

from config.openapi import answer
from dispatch.access import Capability, permission_for
from dispatch.api.console import request_user
from dispatch.errors import DispatchError, NotFoundError
from dispatch.models import Incident
from gis.models import OrgUnit
from reports.figures import Figure, Item, Row, figure_items, figures_compute, spec_for
from reports.maps import breaches_geojson
from reports.schemas import BreachesOut, FiguresOut, ItemsOut
from reports.scope import BYS, Scope, scope_from

SCOPE_PARAMETERS = [
    OpenApiParameter("from", str, description="first day, 2026-11-01 (default: 30 days ago)"),
    OpenApiParameter("to", str, description="last day, inclusive (default: today)"),
    OpenApiParameter("unit", int, description="a unit's id (default: your own)"),
    OpenApiParameter("by", str, enum=list(BYS), description="the breakdown (default: station)"),
    OpenApiParameter("category", str, description="one case type"),
    OpenApiParameter("priority", int, description="1 to 4"),
    OpenApiParameter("channel", str, description="phone, web, open311, referral, walk_in"),
]


def row_json(row: Row) -> dict[str, Any]:
    return {
        "key": row.key,
        "label": row.label,
        "count": row.count,
        "hits": row.hits,
        "over": row.over,
        "share": row.share,
        "mean": row.mean,
        "median": row.median,
        "p90": row.p90,
        "p97": row.p97,
        "longest": row.longest,
    }


def figure_json(figure: Figure) -> dict[str, Any]:
    spec = figure.spec
    return {
        "key": spec.key,
        "label": str(spec.label),
        "kind": spec.kind,
        "measure": spec.measure,
        "better": spec.better,
        "note": str(spec.note),
        "value": figure.value,
        "target": figure.target,
        "average_max": figure.average_max,
        "longest_max": figure.longest_max,
        "meets_target": figure.meets_target,
        "not_applicable": figure.not_applicable,
        "total": row_json(figure.total),
        "rows": [row_json(r) for r in figure.rows],
    }


COUNTS = (
    "calls_received",
    "cases_received",
    "incidents_opened",
    "backlog_incidents",
    "backlog_cases",
)


def scope_empty(figures: list[Figure]) -> bool:
    """Nothing happened and nothing was open: every count is zero."""
    return all(f.total.count == 0 for f in figures if f.key in COUNTS)


def empty_message(scope: Scope) -> str:
    return _(
        "Nothing was recorded for %(unit)s from %(start)s to %(end)s: no calls, no desk cases,"
        " no repair jobs and nothing open. Check the dates and the unit; this is not a clean"
        " record."
    ) % {"unit": scope.unit.name, "start": scope.start.isoformat(), "end": scope.end.isoformat()}


def figures_json(scope: Scope) -> dict[str, Any]:
    figures = figures_compute(scope)
    empty = scope_empty(figures)
    return {
        "scope": {
            "start": scope.start,
            "end": scope.end,
            "unit": scope.unit.pk,
            "unit_name": scope.unit.name,
            "by": scope.by,
            "category": scope.category,
            "priority": scope.priority,
            "channel": scope.channel,
        },
        "empty": empty,
        "message": empty_message(scope) if empty else "",
        "figures": [figure_json(f) for f in figures],
    }


@extend_schema(
    operation_id="reports_figures",
    summary="Every figure of a date range and unit, with its breakdown and distribution",
    request=None,
    parameters=SCOPE_PARAMETERS,
    responses={200: FiguresOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.REPORTS)])
def figures(request: Request) -> Response:
    scope = scope_from(request.query_params, request_user(request))
    return answer(FiguresOut, figures_json(scope))


def item_link(item: Item, incidents: set[str]) -> str | None:
    """Its timeline, or its case's page (a call-back is of one or the other)."""
    if not item.reference:
        return None
    if item.source == "cases" or (item.source == "callbacks" and item.reference not in incidents):
        return reverse("desk-case", args=[item.reference])
    return reverse("maps-timeline", args=[item.reference])


def items_json(scope: Scope, key: str, which: str, group: str | None) -> dict[str, Any]:
    found = spec_for(key)
    if found is None:
        raise NotFoundError(_("there is no figure %(key)r") % {"key": key[:60]})
    if which not in ("all", "hit", "missed"):
        raise DispatchError(_("which is all, hit or missed"), field="which")
    count, items = figure_items(scope, key, which=which, group=group)
    names = dict(
        OrgUnit.objects.filter(pk__in={i.unit_id for i in items}).values_list("pk", "name")
    )
    refs = {i.reference for i in items if i.source == "callbacks" and i.reference}
    incidents = set(Incident.objects.filter(reference__in=refs).values_list("reference", flat=True))
    return {
        "figure": key,
        "label": str(found[0].label),
        "which": which,
        "count": count,
        "items": [
            {
                "kind": i.source,
                "id": i.id,
                "reference": i.reference,
                "at": i.at,
                "unit": names.get(i.unit_id, ""),
                "category": i.category,
                "hit": i.hit,
                "value": i.value,
                "link": item_link(i, incidents),
            }
            for i in items
        ],
    }


@extend_schema(
    operation_id="reports_items",
    summary="The incidents, calls, cases or call-backs behind one figure, misses first",
    request=None,
    parameters=[
        *SCOPE_PARAMETERS,
        OpenApiParameter("which", str, enum=["all", "hit", "missed"], description="default all"),
        OpenApiParameter("group", str, description="one breakdown value (a row's key)"),
    ],
    responses={200: ItemsOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.REPORTS)])
def items(request: Request, key: str) -> Response:
    scope = scope_from(request.query_params, request_user(request))
    which = request.query_params.get("which", "all")
    group = request.query_params.get("group") or None
    if group is not None and len(group) > 64:
        raise DispatchError(_("group is a row's key"), field="group")
    return answer(ItemsOut, items_json(scope, key, which, group))


@extend_schema(
    operation_id="reports_breaches",
    summary="Where arrivals missed their clock: a GeoJSON point per incident",
    request=None,
    parameters=SCOPE_PARAMETERS,
    responses={200: BreachesOut},
)
@api_view(["GET"])
@permission_classes([permission_for(Capability.REPORTS)])
def breaches(request: Request) -> Response:
    scope = scope_from(request.query_params, request_user(request))
    return answer(BreachesOut, breaches_geojson(scope))
